"""Who the caller is: ``[api] auth_strategy``.

Every strategy ends the same way: the request's environ carries the
identity headers keystonemiddleware's ``auth_token`` sets
(``HTTP_X_USER_ID``, ``HTTP_X_PROJECT_ID``, ``HTTP_X_ROLES`` ...), and the
views build the caller's context with oslo.context's
``RequestContext.from_environ``:

* ``keystone``: keystonemiddleware ``auth_token`` checks the token and
  sets them (it removes any a client sent);
* ``http_basic``: :class:`HttpBasicAuth` checks the user's password
  against a bcrypt htpasswd file and sets them from the file;
* ``noauth``: the client's own headers are believed.
"""

import base64
import binascii
import ipaddress
import socket

import bcrypt
from oslo_log import log as logging
import webob

from fault_persist.api import errors
from fault_persist.conf import api as api_opts

LOG = logging.getLogger(__name__)

#: The identity headers (as environ keys) a client must not set itself.
IDENTITY_KEYS = frozenset([
    'HTTP_X_USER_ID', 'HTTP_X_USER', 'HTTP_X_USER_NAME',
    'HTTP_X_USER_DOMAIN_ID', 'HTTP_X_USER_DOMAIN_NAME',
    'HTTP_X_PROJECT_ID', 'HTTP_X_TENANT_ID', 'HTTP_X_TENANT',
    'HTTP_X_PROJECT_NAME', 'HTTP_X_TENANT_NAME',
    'HTTP_X_PROJECT_DOMAIN_ID', 'HTTP_X_PROJECT_DOMAIN_NAME',
    'HTTP_X_DOMAIN_ID', 'HTTP_X_DOMAIN_NAME', 'HTTP_X_ROLES', 'HTTP_X_ROLE',
    'HTTP_X_IS_ADMIN_PROJECT', 'HTTP_OPENSTACK_SYSTEM_SCOPE',
    'HTTP_X_SERVICE_ROLES', 'HTTP_X_SERVICE_USER_ID',
    'HTTP_X_SERVICE_USER_NAME', 'HTTP_X_SERVICE_USER_DOMAIN_ID',
    'HTTP_X_SERVICE_USER_DOMAIN_NAME', 'HTTP_X_SERVICE_PROJECT_ID',
    'HTTP_X_SERVICE_PROJECT_NAME', 'HTTP_X_SERVICE_PROJECT_DOMAIN_ID',
    'HTTP_X_SERVICE_PROJECT_DOMAIN_NAME', 'HTTP_X_IDENTITY_STATUS',
])
#: The project and roles of an htpasswd user whose line names none.
DEFAULT_PROJECT = 'admin'
DEFAULT_ROLES = ('admin', 'member', 'reader')
REALM = 'fault_persist'
_BCRYPT_PREFIXES = (b'$2y$', b'$2a$', b'$2b$')


class InvalidUserFile(Exception):
    """The htpasswd file cannot be read or has a line we cannot use."""


def read_user_file(path):
    """The users of an htpasswd file.

    Each line is ``user:bcrypt-hash[:project_id[:role,role...]]``, blank
    lines and lines starting with ``#`` aside. Apache's ``htpasswd -B``
    writes the first two fields; the last two are ours, as Ironic's
    standalone basic auth reads a project and roles beside the hash.

    :param path: the file.
    :returns: ``{user: (hash bytes, project_id, roles tuple)}``.
    :raises: :class:`InvalidUserFile` naming the file and line.
    """
    users = {}
    try:
        with open(path, encoding='utf-8') as source:
            lines = list(source)
    except OSError as exc:
        raise InvalidUserFile('Cannot read [api] http_basic_auth_user_file '
                              '%s: %s' % (path, exc))
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        fields = line.split(':')
        if len(fields) < 2 or len(fields) > 4 or not fields[0]:
            raise InvalidUserFile(
                '%s line %d: expected user:bcrypt-hash[:project[:roles]]'
                % (path, number))
        hashed = fields[1].encode('utf-8')
        if hashed[:4] not in _BCRYPT_PREFIXES:
            raise InvalidUserFile(
                '%s line %d: the password of %s is not a bcrypt hash; make '
                'it with "htpasswd -B"' % (path, number, fields[0]))
        project = fields[2] if len(fields) > 2 and fields[2] else (
            DEFAULT_PROJECT)
        roles = tuple(role.strip() for role in fields[3].split(',')
                      if role.strip()) if len(fields) > 3 else DEFAULT_ROLES
        users[fields[0]] = (hashed, project, roles)
    return users


def _credentials(environ):
    header = environ.get('HTTP_AUTHORIZATION', '')
    scheme, _, token = header.strip().partition(' ')
    if scheme.lower() != 'basic' or not token:
        return None
    try:
        pair = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, colon, password = pair.partition(b':')
    if not colon:
        return None
    try:
        return user.decode('utf-8'), password
    except UnicodeDecodeError:
        return None


class HttpBasicAuth:
    """WSGI middleware: HTTP basic authentication from an htpasswd file.

    Like oslo.middleware's ``basic_auth`` (bcrypt only), with two
    differences: a 401 asks the browser for a password
    (``WWW-Authenticate: Basic``), so the Activity Log page works in a
    browser; and the file's lines may give each user a project and roles.
    The file is read at start-up; restart to read changes.

    :param application: the WSGI application behind it.
    :param user_file: the htpasswd file.
    """

    def __init__(self, application, user_file):
        self.application = application
        self.users = read_user_file(user_file)

    def _refuse(self, environ, start_response, message):
        reply = webob.Response(json_body=errors.document(401, message),
                               status=401, content_type='application/json',
                               charset=None)
        reply.headers['WWW-Authenticate'] = 'Basic realm="%s"' % REALM
        return reply(environ, start_response)

    def __call__(self, environ, start_response):
        for key in IDENTITY_KEYS & set(environ):
            del environ[key]
        credentials = _credentials(environ)
        if credentials is None:
            return self._refuse(environ, start_response,
                                'This request needs HTTP basic '
                                'authentication.')
        user, password = credentials
        entry = self.users.get(user)
        if entry is None or not bcrypt.checkpw(password, entry[0]):
            LOG.info('HTTP basic authentication of %r failed', user)
            return self._refuse(environ, start_response,
                                'The user name or password is wrong.')
        environ.pop('HTTP_AUTHORIZATION', None)
        environ.update(HTTP_X_USER_ID=user, HTTP_X_USER_NAME=user,
                       HTTP_X_PROJECT_ID=entry[1],
                       HTTP_X_ROLES=','.join(entry[2]))
        return self.application(environ, start_response)


class _TypedRefusals:
    """Labels keystonemiddleware's JSON 401 ``application/json``.

    Its refusal is our error document but goes out without a
    ``Content-Type`` (its extra headers replace webob's).
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        def typed_start_response(status, headers, exc_info=None):
            names = {name.lower() for name, _ in headers}
            if status.startswith('401') and 'content-type' not in names:
                headers = list(headers) + [('Content-Type',
                                            'application/json')]
            return start_response(status, headers, exc_info)
        return self.application(environ, typed_start_response)


def keystone(application, conf):
    """keystonemiddleware's ``auth_token`` around ``application``.

    :param conf: the ``ConfigOpts`` with the ``[keystone_authtoken]``
        options.
    """
    # Imported here: only deployments with Keystone load it.
    from keystonemiddleware import auth_token
    return _TypedRefusals(auth_token.AuthProtocol(
        application, {'oslo_config_config': conf}))


def is_loopback(host):
    """Whether ``host`` (an address or a name) is only on this machine."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(
        ipaddress.ip_address(address.split('%')[0]).is_loopback
        for address in addresses)


class NoAuthRefused(Exception):
    """``noauth`` on an address others reach, without the override."""


def check_noauth(conf):
    """Refuse ``noauth`` on a non-loopback address; warn in any case.

    :param conf: the ``ConfigOpts`` with the ``[api]`` options.
    :raises: :class:`NoAuthRefused`.
    """
    group = conf[api_opts.GROUP]
    if group.auth_strategy != api_opts.NOAUTH:
        return
    if not is_loopback(group.bind_host) and (
            not group.allow_noauth_on_any_address):
        raise NoAuthRefused(
            '[api] auth_strategy = noauth trusts the X-Roles header of any '
            'caller, and [api] bind_host %s is not a loopback address. '
            'Use keystone or http_basic, bind to 127.0.0.1, or set [api] '
            'allow_noauth_on_any_address = true if every client is trusted.'
            % group.bind_host)
    LOG.warning('[api] auth_strategy = noauth: every caller is whoever its '
                'X-User-Id, X-Project-Id and X-Roles headers say. Use it '
                'only for tests and on a single trusted host.')
