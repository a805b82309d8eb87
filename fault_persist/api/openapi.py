"""The OpenAPI 3 document of the HTTP API, ``openapi.yaml``.

Written by hand beside the views it describes; a unit test holds the two
together, and the API reference in the docs is generated from it.
"""

import copy
import functools
import os

import yaml

PATH = os.path.join(os.path.dirname(__file__), 'openapi.yaml')


@functools.lru_cache(maxsize=None)
def _loaded():
    with open(PATH, encoding='utf-8') as source:
        return yaml.safe_load(source)


# The security scheme of each [api] auth_strategy; noauth has none.
_SCHEMES = {'keystone': 'keystone', 'http_basic': 'httpBasic'}


def document(auth_strategy=None):
    """The document as a dict (a fresh copy: callers may change it).

    :param auth_strategy: the deployment's ``[api] auth_strategy``: the
        document then names its security scheme only (none for
        ``noauth``); both when ``None``.
    """
    loaded = copy.deepcopy(_loaded())
    if auth_strategy is not None:
        scheme = _SCHEMES.get(auth_strategy)
        loaded['security'] = [{scheme: []}] if scheme else []
    return loaded
