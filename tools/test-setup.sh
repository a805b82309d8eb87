#!/bin/bash -xe
# Prepare the services the functional tests use, the OpenStack way:
# start PostgreSQL, MariaDB and RabbitMQ when they are down, then create
# the "openstack_citest" user and database that oslo.db's opportunistic
# fixtures expect on both databases. Idempotent; run as root.

DB_ROOT_PW=${MYSQL_ROOT_PW:-}
DB_USER=openstack_citest
DB_PW=openstack_citest

wait_for() {
    # wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            echo "timed out waiting for: $*" >&2
            return 1
        fi
        sleep 1
    done
}

# PostgreSQL
if ! pg_isready -h 127.0.0.1 -q; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
fi
wait_for 60 pg_isready -h 127.0.0.1

# MariaDB
if ! mariadb-admin ping >/dev/null 2>&1; then
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
wait_for 60 mariadb-admin ping

# RabbitMQ
if ! rabbitmqctl -q status >/dev/null 2>&1; then
    rabbitmq-server -detached
fi
wait_for 120 rabbitmqctl await_startup

# MariaDB: a user that may create the per-test databases.
mariadb -u root ${DB_ROOT_PW:+-p"$DB_ROOT_PW"} <<SQL
CREATE USER IF NOT EXISTS '$DB_USER'@'%' IDENTIFIED BY '$DB_PW';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PW';
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS openstack_citest;
FLUSH PRIVILEGES;
SQL

# PostgreSQL: a superuser-free role that may create databases.
psql_root() { psql -h 127.0.0.1 -U root -d postgres -v ON_ERROR_STOP=1 "$@"; }
if ! psql_root -tAc "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'" | grep -q 1; then
    psql_root -c "CREATE ROLE $DB_USER WITH LOGIN CREATEDB PASSWORD '$DB_PW'"
fi
if ! psql_root -tAc "SELECT 1 FROM pg_database WHERE datname='openstack_citest'" | grep -q 1; then
    psql_root -c "CREATE DATABASE openstack_citest OWNER $DB_USER"
fi
