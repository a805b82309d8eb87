"""The HTTP API of fault_persist and the Activity Log page.

:mod:`fault_persist.api.app` builds the WSGI application;
:mod:`fault_persist.api.wsgi` is its entry for uWSGI, mod_wsgi or
gunicorn; ``fault-persist-api`` (:mod:`fault_persist.cmd.api`) runs it in a
simple threaded server. The views (:mod:`fault_persist.api.v1`) only
translate HTTP to the public Python API and back.
"""
