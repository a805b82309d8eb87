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


def document():
    """The document as a dict (a fresh copy: callers may change it)."""
    return copy.deepcopy(_loaded())
