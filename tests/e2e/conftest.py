"""End-to-end fixtures: a real `limner serve` process on a loopback port, set up with `limner init`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.modes import server_variables

LIMNER = [sys.executable, "-m", "limner.cli"]


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    data_dir: Path
    log_path: Path
    admin_email: str
    admin_password: str
    api_key: str
    env: dict[str, str] = field(default_factory=dict)  # what the server's process was given
    pid: int = 0  # the `limner serve` process; it leads a process group of its own (its image workers)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*LIMNER, *args, "--data-dir", str(self.data_dir)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=self.env,
        )


S = TypeVar("S", bound=LiveServer)
OWN_VARIABLES = ("LIMNER_SERVER__PORT", "LIMNER_SERVER__PUBLIC_URL")  # a replica has its own


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 180) -> None:
    # Start-up loads the policy's models (the harm model tier: ~3 s alone, much longer on a busy machine).
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become ready")


@contextmanager
def serve(
    root: Path,
    server: type[S],
    *,
    env: dict[str, str] | None = None,
    host: str = "127.0.0.1",
    train_admin: bool = False,
    config: str = "",
    replica_of: LiveServer | None = None,
) -> Iterator[S]:
    """`limner init` in root/data (the admin trained and `config` appended to config.toml if asked), then
    `limner serve` on a free port of `host` until the block ends; the server's log is root/server.log.
    A host name other than 127.0.0.1 becomes the public URL (passkeys need `localhost` as their RP id).
    `replica_of`: no init; serve that server's data dir (the same config and key files, and in cluster mode
    its database) as another replica. In cluster mode a new server has a PostgreSQL database and Redis
    prefix of its own (tests/modes.py). On exit the server is stopped, then whatever is left of its
    process group is killed."""
    if replica_of is not None:
        shared = {k: v for k, v in replica_of.env.items() if k not in OWN_VARIABLES}
        yield from _serve(root, server, {**shared, **(env or {})}, host, train_admin, config, replica_of)
        return
    with server_variables() as variables:
        yield from _serve(root, server, {**variables, **(env or {})}, host, train_admin, config, None)


def _serve(
    root: Path,
    server: type[S],
    env: dict[str, str],
    host: str,
    train_admin: bool,
    config: str,
    replica_of: LiveServer | None,
) -> Iterator[S]:
    root.mkdir(parents=True, exist_ok=True)
    log_path, port = root / "server.log", free_port()
    base_url = f"http://{host}:{port}"
    full_env = {**os.environ, "LIMNER_SERVER__PORT": str(port), **env}
    if host != "127.0.0.1":
        full_env["LIMNER_SERVER__PUBLIC_URL"] = base_url
    if replica_of is None:
        data_dir, creds = (
            root / "data",
            _init(root / "data", full_env, train_admin=train_admin, config=config),
        )
    else:
        data_dir = replica_of.data_dir
        creds = {
            "admin_email": replica_of.admin_email,
            "admin_password": replica_of.admin_password,
            "api_key": replica_of.api_key,
        }
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*LIMNER, "serve", "--data-dir", str(data_dir), "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=full_env,
            start_new_session=True,
        )
        try:
            wait_ready(base_url, proc, timeout_s=180)  # a loaded machine starts slowly
            yield server(
                base_url,
                data_dir,
                log_path,
                creds["admin_email"],
                creds["admin_password"],
                creds["api_key"],
                env=full_env,
                pid=proc.pid,
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            finally:
                kill_group(proc.pid)


def _init(data_dir: Path, env: dict[str, str], *, train_admin: bool, config: str) -> dict[str, str]:
    init = subprocess.run(
        [*LIMNER, "init", "--data-dir", str(data_dir), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    creds: dict[str, str] = json.loads(init.stdout)
    if train_admin:
        train = ["training", "record", "--user", creds["admin_email"], "--all", "--data-dir", str(data_dir)]
        subprocess.run([*LIMNER, *train], capture_output=True, env=env, check=True, timeout=120)
    if config:
        with (data_dir / "config.toml").open("a") as file:
            file.write(config)
    return creds


def group_members(pgid: int) -> list[int]:
    """Live processes in process group `pgid` (zombies are dead: left out)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def kill_group(pgid: int, timeout_s: float = 10) -> None:
    """SIGKILL what is left of a server's process group (image workers outlive a killed server), then
    wait until the kernel has ended them."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    deadline = time.monotonic() + timeout_s
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("live"), LiveServer, train_admin=True) as server:
        yield server
