"""The test-started PostgreSQL: reachable on 127.0.0.1, one fresh database per test, and a
clear error (never a skip) when the server programs are missing."""

from __future__ import annotations

import pytest

from engine.store import pg_server


def test_a_fresh_database_is_reachable_and_empty(postgres_url: str) -> None:
    import psycopg

    assert "@127.0.0.1:" in postgres_url
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN"
            " ('pg_catalog', 'information_schema')").fetchone()
        conn.execute("CREATE TABLE t (x int)")
    assert tables == (0,)


def test_each_test_gets_its_own_database(postgres_url: str) -> None:
    import psycopg

    # The previous test created table t in its database; this one's has none.
    with psycopg.connect(postgres_url) as conn:
        found = conn.execute("SELECT to_regclass('t')").fetchone()
    assert found == (None,)


def test_missing_binaries_name_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PG_BIN", raising=False)
    monkeypatch.setattr(pg_server.glob, "glob", lambda _pattern: [])
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pg_server.PostgresMissing, match="apt-get install -y postgresql"):
        pg_server.pg_bin()
