"""A throwaway PostgreSQL (Debian's `postgresql` package) on a free 127.0.0.1 port, in a
temporary folder: what the tests and the CI's cluster scripts start, so the shared database
of a cluster can be tried on one machine without any network.

    with pg_server() as url:      # "postgresql://scenarist@127.0.0.1:PORT/scenarist"
        ...

PostgreSQL refuses to run as root, and CI runs as root: then `initdb` and `postgres` run as
the `postgres` user the package creates (`runuser`), in a folder that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from engine.temporal.dev_server import free_port

USER = "scenarist"
DATABASE = "scenarist"
SERVICE_USER = "postgres"  # who runs the server when we are root


class PostgresMissing(RuntimeError):
    """PostgreSQL's server programs are not installed."""


def pg_bin() -> Path:
    """The folder of `initdb`, `pg_ctl` and `postgres`: $PG_BIN, else Debian's newest."""
    if given := os.environ.get("PG_BIN"):
        return Path(given)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresMissing(
        "PostgreSQL's server is not installed (no initdb in /usr/lib/postgresql/*/bin or on"
        " PATH): install Debian's `postgresql` package (apt-get install -y postgresql), or set"
        " PG_BIN to the folder holding initdb, pg_ctl and postgres")


def _as_service_user() -> list[str]:
    """The prefix that runs a server program as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        raise PostgresMissing("running as root needs `runuser` (util-linux) to start PostgreSQL"
                              f" as the {SERVICE_USER!r} user")
    try:
        import pwd

        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise PostgresMissing(
            f"running as root, PostgreSQL must run as the {SERVICE_USER!r} user, which does not"
            " exist: install Debian's `postgresql` package (it creates it)") from None
    return ["runuser", "-u", SERVICE_USER, "--"]


@contextmanager
def pg_server(log: IO[bytes] | None = None, timeout: float = 60) -> Iterator[str]:
    """The URL of a running server with an empty database, stopped and deleted on leaving."""
    bin_dir = pg_bin()
    prefix = _as_service_user()
    root = Path(tempfile.mkdtemp(prefix="scenarist-pg-"))
    data = root / "data"
    out = log or subprocess.DEVNULL
    try:
        if prefix:
            shutil.chown(root, SERVICE_USER)
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
             "-E", "UTF8", "--locale=C", "--no-sync"],
            stdout=out, stderr=subprocess.STDOUT, check=True, timeout=timeout)
        port = free_port()
        # No unix socket (its default folder may not exist or be writable); no durability
        # (a test database lives minutes).
        options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                   " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        started = subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "start", "-w", "-t", str(int(timeout)),
             "-D", str(data), "-l", str(root / "server.log"), "-o", options],
            stdout=out, stderr=subprocess.STDOUT, timeout=timeout + 5)
        if started.returncode != 0:
            tail = (root / "server.log").read_text(errors="replace")[-2000:] \
                if (root / "server.log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start on 127.0.0.1:{port}:\n{tail}")
        try:
            subprocess.run(
                [*prefix, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                 "-U", USER, DATABASE], stdout=out, stderr=subprocess.STDOUT, check=True,
                timeout=timeout)
            yield f"postgresql://{USER}@127.0.0.1:{port}/{DATABASE}"
        finally:
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "stop", "-w", "-m", "immediate",
                 "-D", str(data)], stdout=out, stderr=subprocess.STDOUT, timeout=60)
    finally:
        shutil.rmtree(root, ignore_errors=True)
