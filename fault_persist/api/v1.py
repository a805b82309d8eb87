"""The ``/v1`` endpoints: faults, the request log and tasks, read only.

Each view reads its query (:mod:`fault_persist.api.arguments`), calls the
public Python API with the caller's context, and returns what it returns:
the Python API decides, through the policy, which projects the caller
reads and whether it sees ``details``. The document of these endpoints is
``openapi.yaml`` beside this module, served at ``/v1/openapi.json``.
"""

import itertools

import flask
from oslo_context import context as o_context
from oslo_log import log as logging

import fault_persist
from fault_persist.api import arguments
from fault_persist.api import errors
from fault_persist.api import openapi
from fault_persist.api import pages
from fault_persist.conf import api as api_opts
from fault_persist import config
from fault_persist import exception

LOG = logging.getLogger(__name__)

#: The environ key the authenticating pipeline sets; a request without it
#: never reaches a view that reads records.
AUTHENTICATED = 'fault_persist.authenticated'

FAULT_FILTERS = frozenset([
    'instance_id', 'project_id', 'since', 'before', 'code', 'event_type',
    'resource_type', 'unresolved'])
ENTRY_FILTERS = frozenset([
    'app', 'user', 'ip', 'req', 'status', 'task_id', 'instance_id',
    'request_id', 'project_id', 'since', 'before'])
TASK_FILTERS = frozenset([
    'app', 'status', 'instance_id', 'request_id', 'project_id', 'user'])
#: The views any caller reads, authenticated or not.
PUBLIC_ENDPOINTS = frozenset(['v1.version', 'v1.openapi_document'])
VERSION_ID = 'v1'
TEXT = 'text/plain'
JSON = 'application/json'
# Lines sent per chunk of a text download.
LINES_PER_CHUNK = 200

blueprint = flask.Blueprint('v1', __name__, url_prefix='/v1')


@blueprint.before_request
def _caller():
    if flask.request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not flask.request.environ.get(AUTHENTICATED):
        return errors.response(401, 'This request needs authentication.')
    flask.g.context = o_context.RequestContext.from_environ(
        flask.request.environ)
    return None


def _max_limit():
    return api_opts.max_limit(config.get_conf())


def _listing(name, key, allowed, list_function, convert=None):
    """The document of a list endpoint of ``list_function``."""
    query = arguments.read(flask.request.args, allowed | arguments.PAGING)
    max_limit = _max_limit()
    limit = arguments.limit(query.pop('limit', None), max_limit)
    marker = query.pop('marker', None)
    if convert:
        convert(query)
    context = flask.g.context

    def fetch(size, marker):
        return list_function(context, limit=size, marker=marker, **query)

    return pages.listing(name, fetch, limit, max_limit, key, marker)


def _times(query):
    for name in ('since', 'before'):
        if name in query:
            query[name] = arguments.utc_time(name, query[name])


def _fault_query(query):
    _times(query)
    if 'unresolved' in query:
        query['unresolved'] = arguments.boolean('unresolved',
                                                query['unresolved'])


def _entry_query(query):
    _times(query)
    if 'task_id' in query:
        query['task_id'] = arguments.integer('task_id', query['task_id'],
                                             arguments.MAX_TASK_ID)


def _entry_marker(marker):
    return arguments.integer('marker', marker, arguments.MAX_ENTRY_ID)


def _task_marker(marker):
    return arguments.integer('marker', marker, arguments.MAX_TASK_ID)


def _path_task_id(task_id):
    if not (task_id.isascii() and task_id.isdigit()
            and 0 < int(task_id) <= arguments.MAX_TASK_ID):
        raise exception.TaskNotFound(task_id=task_id[:64])
    return int(task_id)


@blueprint.get('')
def version():
    """The version document, as OpenStack APIs answer ``GET /v1``.

    It names ``[api] auth_strategy``, so that a client (the Activity Log
    page) knows whether to send the ``noauth`` identity headers itself.
    """
    return {'version': {
        'id': VERSION_ID,
        'status': 'CURRENT',
        'links': [{'rel': 'self',
                   'href': flask.request.url_root + VERSION_ID + '/'}],
        'auth_strategy': config.get_conf()[api_opts.GROUP].auth_strategy,
    }}


@blueprint.get('/openapi.json')
def openapi_document():
    """The OpenAPI 3 document of this API, as this deployment runs it."""
    return openapi.document(
        config.get_conf()[api_opts.GROUP].auth_strategy)


@blueprint.get('/instances/<instance_id>/fault')
def instance_fault(instance_id):
    """The ``show`` view's fault of one resource."""
    arguments.read(flask.request.args, ())
    try:
        fault = fault_persist.get_fault(flask.g.context, instance_id)
    except exception.InvalidInstanceId:
        fault = None
    if fault is None:
        raise exception.FaultNotFound(instance_id=instance_id[:64])
    return {'fault': fault}


@blueprint.get('/faults')
def faults():
    """The fault history, newest first."""
    return _listing('faults', 'id', FAULT_FILTERS, fault_persist.list_faults,
                    _fault_query)


@blueprint.get('/faults/<fault_id>')
def fault(fault_id):
    """One fault of the history."""
    arguments.read(flask.request.args, ())
    return {'fault': fault_persist.get_fault_by_id(flask.g.context,
                                                   fault_id)}


def _may_prefer_text(accept):
    """Whether an ``Accept`` header may rank text above JSON.

    Without parameters every type it names has the quality 1, and only
    a type naming ``text`` can then rank text higher (``*/*`` ranks
    both alike): the usual headers (none, ``application/json``, ``*/*``)
    need no parsing.
    """
    return ';' in accept or 'text' in accept.lower()


def _wants_text(query):
    requested = query.pop('format', None)
    if requested is not None:
        if requested not in ('json', 'text'):
            raise errors.BadRequest(
                description='format must be json or text, not %r.'
                % requested)
        return requested == 'text'
    if not _may_prefer_text(flask.request.environ.get('HTTP_ACCEPT', '')):
        return False
    accept = flask.request.accept_mimetypes
    return accept.best_match([JSON, TEXT]) == TEXT and (
        accept[TEXT] > accept[JSON])


@blueprint.get('/request-log')
def request_log():
    """Request-log entries, newest first; as text lines on request."""
    args = flask.request.args
    query = arguments.read(args, ENTRY_FILTERS | arguments.PAGING
                           | {'format'})
    if _wants_text(query):
        return _text_download(query)
    _entry_query(query)
    max_limit = _max_limit()
    limit = arguments.limit(query.pop('limit', None), max_limit)
    marker = query.pop('marker', None)
    _entry_marker(marker)
    context = flask.g.context

    def fetch(size, marker):
        return fault_persist.list_request_log(context, limit=size,
                                              marker=marker, **query)

    return pages.listing('entries', fetch, limit, max_limit, 'id', marker)


def _text_download(query):
    _entry_query(query)
    limit = query.pop('limit', None)
    if limit is not None:
        limit = arguments.integer('limit', limit, arguments.MAX_ENTRY_ID)
    marker = _entry_marker(query.pop('marker', None))
    # Bad filters raise here, before the response starts; the lines are
    # read a page at a time as the client takes them.
    lines = fault_persist.request_log_lines(flask.g.context, marker=marker,
                                            **query)
    if limit is not None:
        lines = itertools.islice(lines, limit)
    return flask.Response(
        _chunks(lines), status=200,
        headers={'Content-Type': TEXT + '; charset=utf-8',
                 'Content-Disposition':
                     'attachment; filename="request-log.txt"'})


def _chunks(lines):
    try:
        while True:
            chunk = list(itertools.islice(lines, LINES_PER_CHUNK))
            if not chunk:
                return
            yield ('\n'.join(chunk) + '\n').encode('utf-8')
    except Exception:
        # The status is sent already: the download ends short.
        LOG.exception('The request-log download stopped early')


@blueprint.get('/tasks')
def tasks():
    """Tasks, newest first."""
    def convert(query):
        if 'marker' in flask.request.args:
            _task_marker(flask.request.args['marker'])

    return _listing('tasks', 'task_id', TASK_FILTERS, fault_persist.list_tasks,
                    convert)


@blueprint.get('/tasks/<task_id>')
def task(task_id):
    """A task's status, start, end and duration."""
    arguments.read(flask.request.args, ())
    return {'task': fault_persist.get_task(flask.g.context,
                                           _path_task_id(task_id))}


@blueprint.get('/tasks/<task_id>/entries')
def task_entries(task_id):
    """The entries logged between a task's start and its end (or now)."""
    task_id = _path_task_id(task_id)
    query = arguments.read(flask.request.args, arguments.PAGING)
    max_limit = _max_limit()
    limit = arguments.limit(query.get('limit'), max_limit)
    marker = query.get('marker')
    _entry_marker(marker)
    context = flask.g.context

    def fetch(size, marker):
        return fault_persist.entries_between(context, task_id, limit=size,
                                             marker=marker)

    return pages.listing('entries', fetch, limit, max_limit, 'id', marker)
