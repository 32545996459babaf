"""A real PostgreSQL server for the test suite (issue #14).

Debian's postgresql package is used rather than a wheel such as pgserver: it is
already what the Makefile can install on a fresh machine, and it runs as the
unprivileged ``postgres`` user, which initdb requires when we are root. The
server listens only on a unix socket in a temp dir, so parallel runs by other
sessions never collide on a port. If it cannot start, this raises: a skipped
PostgreSQL half would hide a broken backend.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError(
            "PostgreSQL server missing: run `make test` (installs postgresql) or apt-get install -y postgresql"
        )
    return Path(found[-1]).parent


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@dataclass
class PgServer:
    root: Path
    socket_dir: Path
    bindir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql:///{database}?host={self.socket_dir}&user=postgres"

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(
            _as_postgres(
                [str(self.bindir / "psql"), "-h", str(self.socket_dir), "-U", "postgres", "-d", database, "-XAtqc", sql]
            ),
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PgServer:
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="cadrebot-pg-"))
    sock = root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
    data = root / "data"
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ]
        ),
        check=True,
        capture_output=True,
    )
    # Durability is irrelevant for throw-away test data; fsync off keeps CREATE DATABASE fast.
    opts = f"-k {sock} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    proc = subprocess.run(
        _as_postgres(
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-t", "30", "-o", opts, "start"]
        ),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {proc.stderr}\n{log}")
    return PgServer(root=root, socket_dir=sock, bindir=bindir)


TEMPLATE = "cadrebot_template"
_created = 0


def migrated_template(server: PgServer) -> None:
    """Create the template database and migrate it once, through the backend's own migrations."""
    import asyncio
    import threading

    from storage.postgres.db import PgDatabase

    server.psql(f"CREATE DATABASE {TEMPLATE}")

    async def migrate() -> None:
        db = await PgDatabase.open(server.url(TEMPLATE), max_size=1)
        await db.close()

    # A thread of its own: the fixture may be first requested from inside a running event loop.
    failure: list[BaseException] = []
    thread = threading.Thread(target=lambda: _run(asyncio.run, migrate(), failure))
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def _run(run, coroutine, failure: list[BaseException]) -> None:
    try:
        run(coroutine)
    except BaseException as exc:
        failure.append(exc)


def fresh_database(server: PgServer) -> str:
    """A new database copied from the migrated template; returns its URL."""
    global _created
    _created += 1
    name = f"t{os.getpid()}_{_created}"
    server.psql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return server.url(name)
