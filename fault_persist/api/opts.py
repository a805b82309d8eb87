"""Options of the HTTP API, group ``[api]``.

``max_limit`` belongs to the same group but is declared with the page
bounds of the Python API; :func:`max_limit` reads it when it is there.
"""

from oslo_config import cfg

GROUP = 'api'

#: The largest page when ``[api] max_limit`` is not registered.
DEFAULT_MAX_LIMIT = 1000

NOAUTH = 'noauth'
HTTP_BASIC = 'http_basic'
KEYSTONE = 'keystone'

api_opts = [
    cfg.HostAddressOpt(
        'bind_host', default='127.0.0.1',
        help='The address fault-persist-api listens on.'),
    cfg.PortOpt(
        'bind_port', default=8787,
        help='The port fault-persist-api listens on.'),
    cfg.StrOpt(
        'auth_strategy', default=KEYSTONE,
        choices=[(KEYSTONE, 'Keystone tokens, checked by keystonemiddleware '
                            'auth_token ([keystone_authtoken] options).'),
                 (HTTP_BASIC, 'HTTP basic authentication against the '
                              'bcrypt entries of '
                              '[api] http_basic_auth_user_file, for '
                              'deployments without Keystone.'),
                 (NOAUTH, 'No authentication: the caller is who the '
                          'X-User-Id, X-Project-Id and X-Roles headers '
                          'say. Only for tests and a single trusted '
                          'host.')],
        help='How callers of the HTTP API are authenticated.'),
    cfg.StrOpt(
        'http_basic_auth_user_file', default='/etc/fault-persist/htpasswd',
        help='The Apache-style htpasswd file of auth_strategy = '
             'http_basic. Each line is "user:bcrypt-hash", optionally '
             'followed by ":project_id:role1,role2" giving the user\'s '
             'project and roles; without them the user is an admin of '
             'project "admin". Only bcrypt hashes ($2y$, $2a$, $2b$; '
             '"htpasswd -B") are accepted.'),
    cfg.BoolOpt(
        'allow_noauth_on_any_address', default=False,
        help='Let fault-persist-api start with auth_strategy = noauth on '
             'a bind_host other than a loopback address. Anyone who can '
             'reach the port can then read every project\'s faults.'),
]


def register_opts(conf):
    """Register the ``[api]`` options on ``conf`` (idempotent)."""
    conf.register_opts(api_opts, group=GROUP)


def max_limit(conf):
    """``[api] max_limit`` when registered, else :data:`DEFAULT_MAX_LIMIT`."""
    try:
        return conf[GROUP].max_limit
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return DEFAULT_MAX_LIMIT
