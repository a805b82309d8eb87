"""Functional tests: real PostgreSQL, MariaDB and RabbitMQ.

Run by ``tools/run-tests.sh`` after ``tools/test-setup.sh``. With
``CI=true`` a service that cannot be reached fails its tests.
"""

from oslo_db.sqlalchemy import test_fixtures

# Group the tests that share a provisioned database, so each backend's
# database is created and migrated once, not once per test.
load_tests = test_fixtures.optimize_package_test_loader(__file__)
