"""Two Rasa instances sharing a PostgreSQL tracker store and a Redis lock store (bot/endpoints.multi.yml).

Real servers on loopback: a private PostgreSQL cluster (Debian's postgresql) and redis-server, both started here
and stopped at the end. Skipped, with the reason printed, only when those binaries are not installed.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from civic.settings import PROJECT_ROOT
from civic.supervisor import Service, base_env, free_port, running
from tests.app.conftest import MODEL, make_settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
REDIS = shutil.which("redis-server")


def _run_as_postgres(args: list[str]) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    done = subprocess.run(prefix + args, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"{args[0]} failed: {done.stderr[-500:]}"
    return done


@pytest.fixture
def postgres():
    if not INITDB:
        pytest.skip("PostgreSQL server binaries not installed (Debian package postgresql); "
                    "see docs/multi-instance.md")
    bindir = Path(INITDB[-1]).parent
    # Not under pytest's tmp_path: that is private to root and the server runs as the postgres user.
    data = Path(tempfile.mkdtemp(prefix="pg-test-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    _run_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
    _run_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "log"),
                      "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"])
    try:
        _run_as_postgres([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "rasa"])
        yield port
    finally:
        _run_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"])
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def redis():
    if not REDIS:
        pytest.skip("redis-server not installed (Debian package redis-server; `make test` installs it)")
    port = free_port()
    proc = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True,
                         check=False).stdout.strip() \
            != "PONG":
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.1)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_two_rasa_instances_share_conversations(tmp_path, postgres, redis):
    settings = make_settings(tmp_path)
    env = base_env(settings)
    env.update(POSTGRES_HOST="127.0.0.1", POSTGRES_PORT=str(postgres), POSTGRES_DB="rasa",
               POSTGRES_USER="postgres", POSTGRES_PASSWORD="", REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis))
    rasa_bin = str(PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa")
    ports = [free_port(), free_port()]
    services = [
        Service("actions", [str(PROJECT_ROOT / ".venv" / "bin" / "python"), "-m", "rasa_sdk", "--actions", "actions",
                            "--port", str(settings.action_port)], env,
                f"http://127.0.0.1:{settings.action_port}/health", settings.action_port),
    ] + [
        Service(f"rasa{i}", [rasa_bin, "run", "--model", str(MODEL), "--endpoints",
                             str(PROJECT_ROOT / "bot" / "endpoints.multi.yml"), "--credentials",
                             str(PROJECT_ROOT / "bot" / "credentials.yml"), "-i", "127.0.0.1", "-p", str(port)],
                env, f"http://127.0.0.1:{port}/", port)
        for i, port in enumerate(ports)
    ]
    with running(services, timeout_s=300):
        sender = "web:multi-1"
        with httpx.Client(timeout=30) as client:
            def say(port: int, text: str) -> list:
                resp = client.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                   json={"sender": sender, "message": text})
                resp.raise_for_status()
                return resp.json()

            assert say(ports[0], "안녕하세요")
            assert say(ports[1], "고마워요")
            assert say(ports[0], "뭐 할 수 있어요?")

    out = _run_as_postgres(["psql", "-h", "127.0.0.1", "-p", str(postgres), "-U", "postgres", "-d", "rasa", "-At",
                            "-c", f"select count(*) from events where sender_id = '{sender}' and type_name = 'user'"])
    # All three user turns, whichever instance took them, are in the one shared tracker.
    assert out.stdout.strip() == "3"
