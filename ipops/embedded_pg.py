"""Embedded PostgreSQL for machines without a DATABASE_URL.

`make run` and `make test` on a fresh clone use the same engine as production: the
`pgserver` package ships PostgreSQL binaries, and we keep its data under `.data/`.
The server is started on first use and left running between commands (starting it
costs about a second); `make db-stop` stops it cleanly.
"""

from __future__ import annotations

import logging
import os
import signal
import time
import warnings
from pathlib import Path
from urllib.parse import quote

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / ".data" / "pg"


def database_url() -> str:
    """Start (or reuse) the embedded server and return a libpq URL for it."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless here.
        warnings.simplefilter("ignore")
        import pgserver

        DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(DATA_DIR, cleanup_mode=None)
    if "(0 rows)" in server.psql("SELECT 1 FROM pg_database WHERE datname = 'ipops';"):
        server.psql("CREATE DATABASE ipops;")
        logger.info("created database ipops in the embedded server")
    # The server listens only on a Unix socket in its data directory: no TCP port to collide.
    return f"postgresql://postgres@/ipops?host={quote(str(DATA_DIR))}"


def database_settings() -> dict:
    """Django's DATABASES entry for the embedded server (starting it if needed)."""
    database_url()
    return {"NAME": "ipops", "USER": "postgres", "HOST": str(DATA_DIR), "PORT": ""}


def stop() -> None:
    """Fast shutdown (SIGINT): open sessions are rolled back, data is flushed cleanly."""
    pid_file = DATA_DIR / "postmaster.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return
    for _ in range(100):
        if not pid_file.exists():
            return
        time.sleep(0.1)


if __name__ == "__main__":  # `python -m ipops.embedded_pg [stop]`
    import sys

    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        sys.stdout.write(database_url() + "\n")
