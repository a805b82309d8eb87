"""The WSGI application of the HTTP API and the Activity Log page.

The pipeline, outermost first::

    http_proxy_to_wsgi   scheme and host from a TLS-terminating proxy (only
                         with [oslo_middleware]
                         enable_proxy_headers_parsing)
    request_id           X-OpenStack-Request-ID on every response
    cors                 [cors] options (only with [cors] allowed_origin)
    healthcheck          GET /healthcheck, no authentication
    public paths         /, /static/..., /v1, /v1/openapi.json: no
                         authentication (with http_basic only /v1 and
                         /v1/openapi.json: the browser's password prompt
                         then covers the page)
    authentication       [api] auth_strategy
    Flask                /v1 views, the page

Flask, as Keystone since Rocky and Ironic's newer services use: plain
WSGI, small, routes and error handlers without a framework of our own to
keep, and WebOb-free views. See doc/source/user/http-api.rst.
"""

import json
import os
import re

import flask
from flask.json import provider
import orjson
from oslo_context import context as o_context
from oslo_middleware import cors
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id

from fault_persist.api import auth
from fault_persist.api import errors
from fault_persist.api import v1
from fault_persist.conf import api as api_opts
from fault_persist import config

STATIC_DIR = os.path.join(os.path.dirname(__file__), 'static')
PAGE = 'index.html'
PLACEHOLDER = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
               '<title>fault_persist</title></head><body>'
               '<h1>fault_persist</h1><p>The Activity Log page is not '
               'installed. The API is at <a href="v1/openapi.json">'
               'v1/openapi.json</a>.</p></body></html>\n')
OPENAPI_PATH = '/v1/openapi.json'
VERSION_PATHS = ('/v1', '/v1/')
HEALTHCHECK_PATH = '/healthcheck'

_CORS_DEFAULTS = {
    'allow_headers': ['X-Auth-Token', 'X-OpenStack-Request-ID',
                      'X-Project-Id', 'X-User-Id', 'X-Roles',
                      'Authorization', 'Accept', 'Content-Type'],
    'expose_headers': ['X-OpenStack-Request-ID', 'Content-Disposition'],
    'allow_methods': ['GET', 'HEAD', 'OPTIONS'],
}


class _JSONProvider(provider.DefaultJSONProvider):
    """Compact UTF-8 JSON bodies, encoded once, by orjson.

    Flask's provider escapes every non-ASCII character and builds the
    body as text, then bytes; a page of a thousand entries is encoded on
    every request, so ours writes UTF-8 directly (RFC 8259's encoding of
    ``application/json``), without spaces, in the records' own key order.
    orjson writes the same bytes as the standard library's encoder ten
    times faster (a page of 100 entries: 0.03 ms instead of 0.3 ms);
    numbers are written in their shortest form (``0.000015``, not
    ``1.5e-05``). What orjson refuses (a lone surrogate, an integer
    beyond 64 bits, a key that is not text) goes to the standard
    library, which answers as it always did.
    """

    sort_keys = False
    # Dates, times and dataclasses are Flask's business (its default()),
    # as they were with the standard library's encoder.
    _ORJSON_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME
                       | orjson.OPT_PASSTHROUGH_DATACLASS)

    def __init__(self, app):
        super().__init__(app)
        self._encoder = json.JSONEncoder(
            ensure_ascii=False, separators=(',', ':'), default=self.default)

    def encode(self, document):
        """The body of ``document``: compact UTF-8 JSON and a line break.

        :param document: what a view returned.
        :returns: bytes.
        :raises: ``TypeError`` or ``ValueError`` for what JSON cannot
            hold, as ``json.dumps`` does.
        """
        try:
            return orjson.dumps(document, default=self.default,
                                option=self._ORJSON_OPTIONS) + b'\n'
        except TypeError:
            return self._standard_encode(document)

    def _standard_encode(self, document):
        try:
            return (self._encoder.encode(document) + '\n').encode('utf-8')
        except UnicodeEncodeError:
            # A lone surrogate has no UTF-8: escape it as JSON may.
            return (json.dumps(document, default=self.default,
                               separators=(',', ':')) + '\n').encode('ascii')

    def response(self, *args, **kwargs):
        document = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.encode(document),
                                        mimetype=self.mimetype)


def _page():
    if os.path.isfile(os.path.join(STATIC_DIR, PAGE)):
        return flask.send_from_directory(STATIC_DIR, PAGE)
    return flask.Response(PLACEHOLDER, content_type='text/html; '
                                                    'charset=utf-8')


def _static(filename):
    return flask.send_from_directory(STATIC_DIR, filename)


def flask_app():
    """The Flask application: views and error documents, no middleware."""
    app = flask.Flask(__name__, static_folder=None)
    app.json = _JSONProvider(app)
    app.url_map.strict_slashes = False
    app.register_blueprint(v1.blueprint)
    app.add_url_rule('/', 'page', _page, methods=['GET'])
    app.add_url_rule('/static/<path:filename>', 'static', _static,
                     methods=['GET'])
    errors.register(app)
    return app


class _PathDispatch:
    """Public paths to one application, the rest through authentication.

    :param public: the application of the public paths.
    :param authenticated: the same application behind authentication.
    :param health: the application of ``/healthcheck``.
    :param public_page: whether ``/`` and ``/static/`` are public.
    """

    def __init__(self, public, authenticated, health, public_page):
        self.public = public
        self.authenticated = authenticated
        self.health = health
        self.public_page = public_page

    def _is_public(self, path):
        if path == OPENAPI_PATH or path in VERSION_PATHS:
            return True
        return self.public_page and (path in ('', '/')
                                     or path.startswith('/static/'))

    def __call__(self, environ, start_response):
        # Set by us only: a client cannot send an environ key.
        environ.pop(v1.AUTHENTICATED, None)
        path = environ.get('PATH_INFO', '')
        if path == HEALTHCHECK_PATH:
            return self.health(environ, start_response)
        if self._is_public(path):
            return self.public(environ, start_response)
        return self.authenticated(environ, start_response)


class _Authenticated:
    """Marks the requests that passed authentication (innermost)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        environ[v1.AUTHENTICATED] = True
        return self.application(environ, start_response)


class _RequestId(request_id.RequestId):
    """oslo.middleware's ``request_id``, without WebOb around each request.

    The same environ keys (``openstack.request_id``; and
    ``openstack.global_request_id`` from an inbound
    ``X-OpenStack-Request-ID`` in the ``req-<uuid>`` form) and the same
    response header. oslo.middleware's wraps every request and response
    in WebOb objects to add that header, about 0.1 ms of every call;
    this adds it to the headers the application starts its response with.
    """

    def __call__(self, environ, start_response):
        inbound = environ.get('HTTP_X_OPENSTACK_REQUEST_ID', '')
        if re.match(request_id.ID_FORMAT, inbound):
            environ[request_id.GLOBAL_REQ_ID] = inbound
        req_id = o_context.generate_request_id()
        environ[request_id.ENV_REQUEST_ID] = req_id
        names = [request_id.HTTP_RESP_HEADER_REQUEST_ID]
        names.extend(self.compat_headers)

        def start_with_id(status, headers, exc_info=None):
            given = {name.lower() for name, _ in headers}
            headers = list(headers) + [(name, req_id) for name in names
                                       if name.lower() not in given]
            return start_response(status, headers, exc_info)

        return self.application(environ, start_with_id)


def _authenticating(application, conf):
    strategy = conf[api_opts.GROUP].auth_strategy
    marked = _Authenticated(application)
    if strategy == api_opts.KEYSTONE:
        return auth.keystone(marked, conf)
    if strategy == api_opts.HTTP_BASIC:
        return auth.HttpBasicAuth(
            marked, conf[api_opts.GROUP].http_basic_auth_user_file)
    return marked


def build_app(conf):
    """The WSGI application, configured from ``conf``.

    :param conf: a parsed ``ConfigOpts``; fault_persist is initialised
        with it (:func:`fault_persist.init`) and the ``[api]``,
        ``[cors]`` and ``[healthcheck]`` options are registered on it.
    :returns: a WSGI callable.
    :raises: :class:`~fault_persist.api.auth.InvalidUserFile` for an
        unusable htpasswd file.
    """
    api_opts.register_opts(conf)
    config.init(conf)
    application = flask_app()
    strategy = conf[api_opts.GROUP].auth_strategy
    # oslo.middleware's healthcheck answers every request it is given:
    # it is an application mounted at its path, as with paste's urlmap.
    pipeline = _PathDispatch(application,
                             _authenticating(application, conf),
                             healthcheck.Healthcheck(None, conf),
                             public_page=strategy != api_opts.HTTP_BASIC)
    # A layer whose options make it a no-op is left out: each of these
    # wraps every request and response in WebOb objects (about 0.1 ms a
    # layer), and their options are not reloaded while running. The
    # request id, always there, is added without WebOb (_RequestId).
    cors.set_defaults(**_CORS_DEFAULTS)
    conf.register_opts(cors.CORS_OPTS, group='cors')
    if conf.cors.allowed_origin:
        pipeline = cors.CORS(pipeline, conf)
    pipeline = _RequestId(pipeline)
    conf.register_opts(http_proxy_to_wsgi.OPTS, group='oslo_middleware')
    if conf.oslo_middleware.enable_proxy_headers_parsing:
        pipeline = http_proxy_to_wsgi.HTTPProxyToWSGI(pipeline, conf)
    return pipeline
