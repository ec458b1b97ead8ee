"""Servers a test starts and stops itself (own port, own data folder), so that killing or
restarting one never touches the machine's own services."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def _binary(name: str, *candidates: str) -> str:
    found = shutil.which(name) or next((c for c in candidates if os.path.exists(c)), None)
    if found is None:
        reason = f"{name} is not installed here"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI needs it")
        pytest.skip(reason)
    return found


def end(process: subprocess.Popen[bytes] | None, kill: bool = False) -> None:
    """Stop a process the test started (terminate, or kill), waiting for it, killing it if
    it does not go."""
    if process is None:
        return
    if kill:
        process.kill()
    else:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def until(check: Any, seconds: float, every: float = 0.2) -> Any:
    """What `check` gives once it gives something true, or its last answer after
    `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(every)


class NatsServer:
    """A NATS server with JetStream of the test's own, on a free port and in its own folder."""

    def __init__(self, folder: Path, port: int | None = None, extra: list[str] | None = None):
        self.binary = _binary("nats-server", "/usr/sbin/nats-server")
        self.folder = folder
        self.port = port or free_port()
        self.extra = extra or []
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                self.binary,
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.folder / "jetstream"),
                "-l",
                str(self.folder / "server.log"),
                *self.extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not listening(self.port, 15):
            self.stop()
            raise RuntimeError(f"nats-server did not start on port {self.port}")
        return self

    def stop(self, kill: bool = False) -> None:
        end(self.process, kill)
        self.process = None

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class PostgresServer:
    """A PostgreSQL instance of the test's own: initdb in a fresh folder, its own port, run as
    the `postgres` user when the test runs as root; stopping it stops only this instance."""

    def __init__(self) -> None:
        import glob
        import tempfile

        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        self.bin = Path(bins[-1]) if bins else Path(_binary("pg_ctl")).parent
        if not (self.bin / "initdb").exists():
            _binary("initdb")
        self.port = free_port()
        # Not under pytest's folder: the server's user must be able to reach its directory.
        self.folder = Path(tempfile.mkdtemp(prefix="corridor-pg-"))
        self.data = self.folder / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            import pwd

            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root without a 'postgres' user to run PostgreSQL")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / tool), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> PostgresServer:
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
        return self

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class DemoNode:
    """A corridor node of the test's own: a data folder seeded with the demo corridor
    (`corridor init --demo`), served by `corridor serve` on a free port, its output sent
    nowhere (a log file would be a write on the node's disk)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.env = {
            **os.environ,
            "CORRIDOR_DATA_DIR": str(folder),
            "CORRIDOR_DATABASE_URL": f"sqlite:///{folder / 'node.db'}",
        }
        self.corridor = str(Path(sys.executable).parent / "corridor")
        self.process: subprocess.Popen[bytes] | None = None
        self.keys: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> DemoNode:
        out = subprocess.run(
            [self.corridor, "init", "--demo"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].startswith("cor_"):
                self.keys[parts[0]] = parts[1]
        self.process = subprocess.Popen(
            [self.corridor, "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not listening(self.port, 60):
            self.stop()
            raise RuntimeError(f"corridor serve did not start on port {self.port}")
        return self

    def stop(self) -> None:
        end(self.process)
        self.process = None
