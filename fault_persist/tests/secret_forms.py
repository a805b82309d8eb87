"""Secrets in every form fault_persist must mask, made from a table.

Each form is ``(name, text, fragments)``: the text holds a secret, and no
fragment (a random part of the secret) may survive masking.
"""

import base64
import json
import random
import string

from oslo_utils import strutils

# Keys of oslo.utils, and of AWS.
KEYS = tuple(getattr(strutils, '_SANITIZE_KEYS', ())) + (
    'aws_secret_access_key', 'SecretAccessKey')

_ALPHABET = string.ascii_letters + string.digits


def secret(random_state, length=18):
    """A distinctive random-looking value: letters and digits."""
    return 'Zq' + ''.join(random_state.choice(_ALPHABET)
                          for _ in range(length - 4)) + '7x'


def _b64url(random_state, size):
    raw = bytes(random_state.getrandbits(8) for _ in range(size))
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def _keyed_forms(random_state):
    for key in KEYS:
        for name, template in (
                ('key=value', '%(k)s=%(v)s'),
                ('key: value', '%(k)s: %(v)s'),
                ('KEY: value', '%(K)s: %(v)s'),
                ('"key": "value"', '{"%(k)s": "%(v)s"}'),
                ("'key': 'value'", "{'%(k)s': '%(v)s'}"),
                ('key value', 'the %(k)s %(v)s was refused'),
                ('--key value', 'cmd --%(k)s %(v)s --debug'),
                ('xml', '<%(k)s>%(v)s</%(k)s>'),
                ('yaml', 'auth:\n  %(k)s: "%(v)s"\n  user: admin')):
            value = secret(random_state)
            yield ('%s %s' % (name, key),
                   template % {'k': key, 'K': key.upper(), 'v': value},
                   [value])
        value = secret(random_state)
        # A JSON text inside a list: its quotes arrive escaped.
        yield ('json in a list %s' % key,
               json.dumps([json.dumps({key: value})]), [value])


def _header_forms(random_state):
    for header in ('X-Auth-Token', 'X-Subject-Token', 'X-Service-Token',
                   'x-auth-token'):
        value = secret(random_state, 32)
        yield header, '%s: %s' % (header, value), [value]
        value = secret(random_state, 32)
        yield (header + ' in a dict', "{'%s': '%s'}" % (header, value),
               [value])
    for scheme in ('Bearer', 'Basic', 'bearer'):
        value = secret(random_state, 40)
        yield ('Authorization ' + scheme,
               'Authorization: %s %s' % (scheme, value), [value])
        value = secret(random_state, 40)
        yield ('Authorization %s in JSON' % scheme,
               json.dumps({'headers': {'Authorization': '%s %s' % (
                   scheme, value)}}), [value])


def _url_forms(random_state):
    p1, p2, p3 = (secret(random_state) for _ in range(3))
    yield 'url', 'mysql+pymysql://nova:%s@db/nova?charset=utf8' % p1, [p1]
    p1, p2 = secret(random_state), secret(random_state)
    yield ('url multi-host', 'mysql://u:%s@h1,u2:%s@h2/db' % (p1, p2),
           [p1, p2])
    p1, p2 = secret(random_state), secret(random_state)
    yield ('rabbit multi-host',
           'transport_url = rabbit://u:%s@h1:5672,u2:%s@h2:5672/' % (p1, p2),
           [p1, p2])
    p1, p2 = secret(random_state), secret(random_state)
    yield 'url with /', 'amqp://u:%s/%s@h/' % (p1, p2), [p1, p2]
    p1, p2 = secret(random_state), secret(random_state)
    yield 'url with @', 'amqp://u:%s@%s@rabbit:5672/' % (p1, p2), [p1, p2]
    p1, p2, p3 = (secret(random_state) for _ in range(3))
    yield ('url with / and @, two hosts',
           'postgresql://u:%s@%s@h1:5432,v:%s/x@h2:5432/db' % (p1, p2, p3),
           [p1, p2, p3])


def _shaped_forms(random_state):
    for kind in ('RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED ', ''):
        lines = [secret(random_state, 64) for _ in range(4)]
        pem = '\n'.join(['-----BEGIN %sPRIVATE KEY-----' % kind] + lines
                        + ['-----END %sPRIVATE KEY-----' % kind])
        yield 'pem ' + kind, 'key:\n' + pem + '\nloaded', lines
        yield 'pem in JSON ' + kind, json.dumps({'k': pem}), lines
    for prefix in ('AKIA', 'ASIA'):
        key_id = prefix + ''.join(random_state.choice(
            string.ascii_uppercase + string.digits) for _ in range(16))
        yield 'aws ' + prefix, 'access key %s denied' % key_id, [key_id]
    value = secret(random_state, 40)
    yield 'aws env', 'AWS_SECRET_ACCESS_KEY=%s' % value, [value]
    for _ in range(3):
        header = 'eyJ' + _b64url(random_state, 24)
        payload = 'eyJ' + _b64url(random_state, 60)
        signature = _b64url(random_state, 32)
        jwt = '%s.%s.%s' % (header, payload, signature)
        yield ('jwt', 'token %s rejected' % jwt,
               [header[3:], payload[3:], signature])
    for _ in range(3):
        fernet = 'gAAAAAB' + _b64url(random_state, 140)
        yield 'fernet', 'Token %s expired' % fernet, [fernet[7:]]
    for command in ('mysql -u root -p%s nova', 'mysqldump -h db -p%s -A',
                    'MariaDB -uroot -p%s -P 3306'):
        value = secret(random_state)
        yield 'mysql -p', 'ran: ' + command % value, [value]


def forms(seed=20260504):
    """Every secret form, as ``(name, text, fragments)`` tuples."""
    random_state = random.Random(seed)
    result = []
    for family in (_keyed_forms, _header_forms, _url_forms, _shaped_forms):
        result.extend(family(random_state))
    return result


def leaked(fragments, text):
    """The fragments found in ``text``."""
    return [fragment for fragment in fragments if fragment in text]
