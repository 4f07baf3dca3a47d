"""Throwaway source and destination databases on the test servers.

The servers are those scripts/test-servers.sh starts for the run (it exports
PIPEKIT_TEST_PG_HOST/_PORT and PIPEKIT_TEST_MARIA_HOST/_PORT); without them, the machine's own
servers on 127.0.0.1:5432 (`postgres`) and 127.0.0.1:3306 (`root`), both without a password.
Tests read and write the databases directly (psycopg, PyMySQL, sqlite3) to set up data and to
check what a user would check; Pipekit itself only ever reaches them through jrunner."""

import os
import sqlite3
import uuid
from contextlib import contextmanager

import psycopg
import pymysql

PG = {
    "host": os.environ.get("PIPEKIT_TEST_PG_HOST") or "127.0.0.1",
    "port": int(os.environ.get("PIPEKIT_TEST_PG_PORT") or 5432),
    "user": "postgres",
}
MARIA = {
    "host": os.environ.get("PIPEKIT_TEST_MARIA_HOST") or "127.0.0.1",
    "port": int(os.environ.get("PIPEKIT_TEST_MARIA_PORT") or 3306),
    "user": "root",
    "password": "",
}


def unique_name(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


class PgDatabase:
    kind = "postgres"
    driver = "postgres"
    username = "postgres"

    def __init__(self, name):
        self.name = name
        self.jdbc_url = f"jdbc:postgresql://{PG['host']}:{PG['port']}/{name}"
        # The same database as a state database URL (config.yaml's `database`).
        self.url = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"

    def create(self):
        with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self):
        with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def execute(self, sql, params=None):
        with psycopg.connect(dbname=self.name, autocommit=True, **PG) as conn:
            conn.execute(sql, params)

    def rows(self, sql, params=None):
        with psycopg.connect(dbname=self.name, autocommit=True, **PG) as conn:
            return conn.execute(sql, params).fetchall()

    @contextmanager
    def holding(self, *statements):
        """Run statements in a transaction left open (holding their locks) until the block ends."""
        with psycopg.connect(dbname=self.name, **PG) as conn:
            for sql in statements:
                conn.execute(sql)
            try:
                yield
            finally:
                conn.rollback()


class MariaDatabase:
    kind = "mariadb"
    driver = "mariadb"
    username = "root"

    def __init__(self, name):
        self.name = name
        self.jdbc_url = f"jdbc:mariadb://{MARIA['host']}:{MARIA['port']}/{name}"

    def _connect(self, database=None):
        return pymysql.connect(database=database, autocommit=True, charset="utf8mb4", **MARIA)

    def create(self):
        with self._connect() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")

    def drop(self):
        with self._connect() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{self.name}`")

    def execute(self, sql, params=None):
        with self._connect(self.name) as conn, conn.cursor() as cur:
            cur.execute(sql, params)

    def rows(self, sql, params=None):
        with self._connect(self.name) as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())

    @contextmanager
    def holding(self, *statements):
        """Run statements in a transaction left open (holding their locks) until the block ends."""
        with self._connect(self.name) as conn, conn.cursor() as cur:
            cur.execute("BEGIN")
            for sql in statements:
                cur.execute(sql)
            try:
                yield
            finally:
                conn.rollback()
                cur.execute("UNLOCK TABLES")


class SqliteDatabase:
    kind = "sqlite"
    driver = "sqlite"
    username = ""

    def __init__(self, path):
        self.path = path
        self.name = path.stem
        self.jdbc_url = f"jdbc:sqlite:{path}"

    def create(self):
        sqlite3.connect(self.path).close()

    def drop(self):
        self.path.unlink(missing_ok=True)

    def execute(self, sql, params=None):
        conn = sqlite3.connect(self.path)
        try:
            with conn:
                conn.executescript(sql) if params is None else conn.execute(sql, params)
        finally:
            conn.close()

    def rows(self, sql, params=None):
        conn = sqlite3.connect(self.path)
        try:
            return conn.execute(sql, params or ()).fetchall()
        finally:
            conn.close()
