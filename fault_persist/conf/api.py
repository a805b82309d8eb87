"""``[api]`` options: the page bound of every list read, and the HTTP API's.

Two sets share the group. ``max_limit`` bounds every list read (the
Python API, the command line, the HTTP API); :func:`fault_persist.init`
registers it with :func:`register_limit_opts`, which keeps a host's own
``[api] max_limit`` (Nova has one) when the host registered it first. The
HTTP API's options are registered by ``fault-persist-api`` and the WSGI
application alone (:func:`register_opts`), never in a host.
"""

from oslo_config import cfg

GROUP = 'api'

#: The default of ``[api] max_limit``, and the largest page when it is not
#: registered.
DEFAULT_MAX_LIMIT = 1000

#: The values of ``[api] auth_strategy``.
NOAUTH = 'noauth'
HTTP_BASIC = 'http_basic'
KEYSTONE = 'keystone'

limit_opts = [
    cfg.IntOpt('max_limit',
               default=DEFAULT_MAX_LIMIT, min=1,
               help='The largest number of rows one list call returns '
                    '(list_faults, list_request_log, list_tasks, '
                    'entries_between and the "fault-persist" list '
                    'commands). A call without a limit returns at most '
                    'this many; a larger limit is reduced to it. Page with '
                    'the marker of the last row for more.'),
]

http_opts = [
    cfg.HostAddressOpt(
        'bind_host', default='127.0.0.1',
        help='The address fault-persist-api listens on.'),
    cfg.PortOpt(
        'bind_port', default=8787,
        help='The port fault-persist-api listens on.'),
    cfg.IntOpt(
        'server_threads', default=8, min=1,
        help='How many requests fault-persist-api serves at once (its '
             'server\'s worker threads). Under uWSGI, mod_wsgi or '
             'gunicorn their own settings apply instead.'),
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


def register_limit_opts(conf):
    """Register ``[api] max_limit`` on ``conf`` unless the host has it.

    :param conf: an oslo.config ``ConfigOpts``.
    """
    for opt in limit_opts:
        try:
            conf.register_opt(opt, group=GROUP)
        except cfg.DuplicateOptError:
            # The host has an [api] option of that name already (Nova's
            # max_limit): the host's option, and value, serve us too.
            pass


def register_opts(conf):
    """Register the HTTP API's ``[api]`` options on ``conf`` (idempotent).

    :param conf: an oslo.config ``ConfigOpts``.
    """
    conf.register_opts(http_opts, group=GROUP)


def max_limit(conf):
    """``[api] max_limit`` when registered, else :data:`DEFAULT_MAX_LIMIT`.

    :param conf: an oslo.config ``ConfigOpts``.
    """
    try:
        return conf[GROUP].max_limit
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return DEFAULT_MAX_LIMIT
