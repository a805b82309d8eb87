"""The error documents of the HTTP API.

Every error, whatever raised it, is answered with one shape::

    {"error": {"code": 400, "title": "Bad Request",
               "message": "Unknown query parameter: colour. ..."}}

the shape Keystone (and keystonemiddleware's 401) answers with, so a
client reads every error the same way.
"""

import http

import flask
from oslo_log import log as logging
from werkzeug import exceptions as http_exc

from fault_persist import exception

LOG = logging.getLogger(__name__)

# Our exceptions, by the HTTP status they are answered with.
_STATUS_OF = (
    ((exception.InvalidField, exception.InvalidMarker,
      exception.InvalidTimeRange, exception.InvalidInstanceId), 400),
    ((exception.Forbidden,), 403),
    ((exception.FaultNotFound, exception.FaultIdNotFound,
      exception.TaskNotFound), 404),
    ((exception.DatabaseUnavailable, exception.SchemaNotReady), 503),
)


class BadRequest(http_exc.BadRequest):
    """A query the API does not take; its message says why."""


def document(code, message):
    """The error document of a status ``code``.

    :param code: the HTTP status.
    :param message: the text for the caller.
    :returns: a dict.
    """
    return {'error': {'code': code, 'title': http.HTTPStatus(code).phrase,
                      'message': message}}


def response(code, message, headers=None):
    """A JSON error response.

    :param code: the HTTP status.
    :param message: the text for the caller.
    :param headers: more headers, e.g. ``WWW-Authenticate``.
    """
    reply = flask.jsonify(document(code, message))
    reply.status_code = code
    reply.headers.extend(headers or {})
    return reply


def from_http_exception(exc):
    """An error response of a werkzeug ``HTTPException`` (404s, 405s)."""
    reply = response(exc.code, exc.description)
    if exc.code == 405 and exc.valid_methods:
        reply.headers['Allow'] = ', '.join(exc.valid_methods)
    return reply


def from_fault_persist_error(exc):
    """An error response of one of our exceptions."""
    for classes, code in _STATUS_OF:
        if isinstance(exc, classes):
            if code >= 500:
                LOG.error('Cannot answer %s: %s', flask.request.path, exc)
            return response(code, str(exc))
    return from_unexpected(exc)


def from_unexpected(exc):
    """A 500 of anything else; the traceback goes to the log only."""
    LOG.exception('Unexpected error answering %s %s', flask.request.method,
                  flask.request.path)
    return response(500, 'The server failed to answer; the request id in '
                         'X-OpenStack-Request-ID finds the cause in its '
                         'log.')


def register(app):
    """Answer every error of ``app`` with an error document."""
    app.register_error_handler(http_exc.HTTPException, from_http_exception)
    app.register_error_handler(exception.FaultPersistError,
                               from_fault_persist_error)
    app.register_error_handler(Exception, from_unexpected)
