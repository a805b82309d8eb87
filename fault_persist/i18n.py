"""oslo.i18n integration of fault_persist.

See https://docs.openstack.org/oslo.i18n/latest/user/usage.html.

``_`` translates a message for the process's locale (or lazily, when the
host enabled lazy translation). ``N_`` only marks a message for the
catalogue: it is kept in English where it is stored, and translated into a
reader's language with :func:`translation` when it is shown.
"""

import gettext
import os

import oslo_i18n

DOMAIN = 'fault_persist'

_translators = oslo_i18n.TranslatorFactory(domain=DOMAIN)

# The primary translation function using the well-known name "_".
_ = _translators.primary


def N_(message):
    """Mark ``message`` for the catalogue without translating it now.

    Babel's extractor knows ``N_`` as gettext_noop; the catalogue gets the
    message, the code keeps the English text.

    :param message: an English message.
    :returns: ``message`` unchanged.
    """
    return message


def translation(locale):
    """The ``gettext`` function of our catalogue in ``locale``.

    Catalogues are found where oslo.i18n looks for them: in
    ``$FAULT_PERSIST_LOCALEDIR`` when it is set, else in the system's
    locale directory.

    :param locale: a locale name such as ``pt_BR``; ``None`` for English.
    :returns: a function from an English message to its translation; the
        message itself when there is no catalogue for ``locale``.
    """
    if not locale:
        return N_
    localedir = os.environ.get(DOMAIN.upper() + '_LOCALEDIR')
    return gettext.translation(DOMAIN, localedir=localedir,
                               languages=[locale], fallback=True).gettext


def get_available_languages():
    """The locales our catalogue is translated into.

    :returns: a list of locale names, ``en_US`` first.
    """
    return oslo_i18n.get_available_languages(DOMAIN)
