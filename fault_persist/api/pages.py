"""Pages of a list and the ``next`` link to the page after.

A list answers ``{"<things>": [...], "<things>_links": [...]}``; the
links hold ``{"rel": "next", "href": ...}`` only while more records
remain, so a client walks ``next`` until there is none and sees every
record once.
"""

import urllib.parse

import flask


def page(fetch, limit, max_limit, key, marker=None):
    """One page, and whether more records follow it.

    :param fetch: ``fetch(limit, marker)`` returns up to ``limit`` records
        after ``marker`` (``None``: from the first), as the Python API's
        list functions do.
    :param limit: the page size, at most ``max_limit``.
    :param max_limit: ``[api] max_limit``: the Python API is never asked
        for more.
    :param key: the field of a record that the next page's marker is.
    :param marker: the request's ``marker``, as given, or ``None``.
    :returns: ``(records, more)``.
    """
    if limit < max_limit:
        # One record more than the page tells whether another page
        # follows, in the same query.
        records = fetch(limit + 1, marker)
        return records[:limit], len(records) > limit
    records = fetch(limit, marker)
    more = len(records) == limit and bool(fetch(1, records[-1][key]))
    return records, more


def links(records, more, key):
    """The ``_links`` list of a page.

    :param records: the page.
    :param more: whether a page follows.
    :param key: the field of a record that the next marker is.
    :returns: ``[]`` or ``[{"rel": "next", "href": <this URL, marker
        set>}]``.
    """
    if not more:
        return []
    query = [(name, value)
             for name, value in flask.request.args.items(multi=True)
             if name != 'marker']
    query.append(('marker', str(records[-1][key])))
    href = flask.request.base_url + '?' + urllib.parse.urlencode(query)
    return [{'rel': 'next', 'href': href}]


def listing(name, fetch, limit, max_limit, key, marker=None):
    """The JSON document of a list endpoint.

    :param name: ``faults``, ``entries`` or ``tasks``.
    :param marker: the request's ``marker``, as given, or ``None``.
    :returns: ``{name: records, name + '_links': links}``.
    """
    records, more = page(fetch, limit, max_limit, key, marker)
    return {name: records, name + '_links': links(records, more, key)}
