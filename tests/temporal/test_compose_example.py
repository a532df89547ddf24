"""The README's docker-compose example is valid YAML, is the file it names, and wires a
serve node and scaled workers to Temporal on PostgreSQL with the commands this version has."""

from __future__ import annotations

from pathlib import Path

import yaml

from app.cli import build_parser
from engine.store.database import checked_database

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docs" / "cluster" / "docker-compose.yml"


def test_the_readme_shows_the_compose_file() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Running on a cluster" in readme
    assert f"```yaml\n{COMPOSE.read_text(encoding='utf-8')}```" in readme


def test_the_compose_file_wires_temporal_postgresql_serve_and_workers() -> None:
    services = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    assert services["temporal"]["environment"]["POSTGRES_SEEDS"] == "postgresql"
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert services["database"]["image"].startswith("postgres:")
    for name in ("serve", "worker"):
        command = services[name]["command"]
        assert "temporal:7233" in command
        # State and history in the shared PostgreSQL, a URL `--database` accepts.
        url = command[command.index("--database") + 1]
        assert checked_database(url) is not None and "@database:5432/" in url
        assert "database" in services[name]["depends_on"]
        build_parser(command).parse_args(command)  # options this version accepts
        dockerfile = ROOT / services[name]["build"]["dockerfile"]
        assert dockerfile.exists()
