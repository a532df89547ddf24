"""`--database URL` / $SCENARIST_DATABASE: where a workspace's state and history live,
checked before any command runs; the folder still holds what is local."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.runtime.workspace import Workspace
from engine.store.database import BadDatabase, checked_database

ROOT = Path(__file__).resolve().parents[2]


def scenarist(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "app.cli", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_postgres_urls_get_the_psycopg_driver_and_sqlite_means_the_files() -> None:
    assert checked_database("postgresql://u@h:5/db") == "postgresql+psycopg://u@h:5/db"
    assert checked_database("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert checked_database("sqlite") is None and checked_database(None) is None


@pytest.mark.parametrize("url", ["mysql://u@h/db", "h:5432/db", "postgresql:///db"])
def test_other_urls_are_refused_naming_the_option(url: str) -> None:
    with pytest.raises(BadDatabase, match="--database"):
        checked_database(url)


def test_the_command_line_refuses_a_bad_url_before_running(tmp_path: Path) -> None:
    done = scenarist("datastores", "list", "--data-dir", str(tmp_path), "--database",
                     "mysql://u@h/db")
    assert done.returncode == 2
    assert "--database 'mysql://u@h/db'" in done.stderr and "postgresql://" in done.stderr
    assert not (tmp_path / "state.db").exists()


def test_a_bad_environment_variable_is_named(tmp_path: Path) -> None:
    done = scenarist("datastores", "list", "--data-dir", str(tmp_path),
                     env={"SCENARIST_DATABASE": "oracle://x"})
    assert done.returncode == 2 and "$SCENARIST_DATABASE" in done.stderr


def test_an_unreachable_database_names_host_and_port(tmp_path: Path) -> None:
    from engine.temporal.dev_server import free_port

    port = free_port()
    done = scenarist("datastores", "list", "--data-dir", str(tmp_path), "--database",
                     f"postgresql://u@127.0.0.1:{port}/db")
    assert done.returncode == 1
    assert f"cannot reach PostgreSQL at 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_datastores_created_in_one_folder_are_listed_from_another(
        tmp_path: Path, postgres_url: str) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    made = scenarist("datastores", "create", "Shared", "--json", "--data-dir", str(first),
                     "--database", postgres_url)
    assert made.returncode == 0, made.stderr
    listed = scenarist("datastores", "list", "--json", "--data-dir", str(second),
                       env={"SCENARIST_DATABASE": postgres_url})
    assert listed.returncode == 0, listed.stderr
    assert [store["name"] for store in json.loads(listed.stdout)] == ["Shared"]
    assert not (first / "state.db").exists() and not (second / "state.db").exists()


def test_a_workspace_bound_to_postgres_opens_its_engines_there(
        tmp_path: Path, postgres_url: str) -> None:
    workspace = Workspace(tmp_path / "bound", database=postgres_url)
    other = Workspace(tmp_path / "local")
    try:
        assert workspace.database is not None and other.database is None
        assert workspace.state.dialect.name == "postgresql"
        assert workspace.has_history() and workspace.history is not None
        assert workspace.history.dialect.name == "postgresql"
        assert other.state.dialect.name == "sqlite"
    finally:
        workspace.close()
        other.close()
        from engine.store.state_db import release_state_engine

        release_state_engine(workspace.folder)
        release_state_engine(other.folder)
