"""Tests of fault_persist."""

import os

# Set before oslo.db's provisioning reads it, at import.
# The opportunistic URLs of oslo.db, with MySQL speaking utf8mb4 as our own
# engine does (oslo.db would otherwise ask for the three-byte utf8).
os.environ.setdefault(
    'OS_TEST_DBAPI_ADMIN_CONNECTION',
    'mysql+pymysql://openstack_citest:openstack_citest@localhost/'
    '?charset=utf8mb4;'
    'postgresql+psycopg2://openstack_citest:openstack_citest@localhost/'
    'postgres;'
    'sqlite://')
