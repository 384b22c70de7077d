"""`make run`: start the action server, Rasa (RASA_INSTANCES processes) and the app under one supervisor.

Ctrl-C stops them all. If one dies, the others are stopped and the exit status names it:
3 = app, 4 = rasa (any instance), 5 = actions, 2 = a port was taken, 6 = not ready in time.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from civic.settings import PROJECT_ROOT, Settings, get_settings

log = logging.getLogger("supervisor")

EXIT_CODES = {"app": 3, "rasa": 4, "actions": 5}  # "rasa-2", "rasa-3", ... exit with 4 too
EXIT_PORT_TAKEN = 2
EXIT_NOT_READY = 6


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    health_url: str
    port: int
    host: str = "127.0.0.1"
    proc: subprocess.Popen | None = field(default=None, repr=False)


def base_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(PROJECT_ROOT),
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        SANIC_HOST="127.0.0.1",
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{settings.action_port}/webhook",
        TRACKER_DB_PATH=str(settings.tracker_db_path),
        TRACKER_CACHE_SIZE=str(settings.tracker_cache_size),
        TRACKER_CACHE_TTL_S=str(settings.tracker_cache_ttl_s),
        DB_PATH=str(settings.db_path),
        VAR_DIR=str(settings.var_dir),
        RATE_LIMIT_CHAT=settings.rate_limit_chat,
        RATE_LIMIT_KAKAO=settings.rate_limit_kakao,
        RATE_LIMIT_LOGIN=settings.rate_limit_login,
        RASA_URL=f"http://127.0.0.1:{settings.rasa_port}",
        RASA_URLS=json.dumps(rasa_urls(settings)),
        ACTION_URL=f"http://127.0.0.1:{settings.action_port}",
        RASA_TOKEN=settings.rasa_token,
        KAKAO_SKILL_SECRET=settings.kakao_skill_secret,
        SESSION_SECRET=settings.session_secret,
        # The action server answers from the file the dashboard edits (one file, whichever process writes it).
        KNOWLEDGE_PATH=str(settings.knowledge_path),
        KNOWLEDGE_CACHE_DIR=str(settings.knowledge_cache_dir),
        SEEDS_DIR=str(settings.seeds_dir),
    )
    return env


def rasa_ports(settings: Settings) -> list[int]:
    return [settings.rasa_port + i for i in range(max(1, settings.rasa_instances))]


def rasa_urls(settings: Settings) -> list[str]:
    return [f"http://127.0.0.1:{port}" for port in rasa_ports(settings)]


def rasa_name(index: int) -> str:
    """ "rasa" for the first instance (what single-instance tools look for), then "rasa-2", "rasa-3", ..."""
    return "rasa" if index == 0 else f"rasa-{index + 1}"


def exit_code(name: str) -> int:
    return EXIT_CODES["rasa"] if name.startswith("rasa") else EXIT_CODES.get(name, 1)


def build_services(settings: Settings, model: Path | None = None) -> list[Service]:
    """The processes in start order: actions, RASA_INSTANCES Rasa servers, app. Tests reuse this with other ports."""
    root = PROJECT_ROOT
    env = base_env(settings)
    model = model or root / "models" / "gwangju.tar.gz"
    rasa_bin = root / ".venv-rasa" / "bin" / "rasa"
    app_py = root / ".venv" / "bin" / "python"
    # One TensorFlow thread per Rasa process: the processes already fill the cores, and per-message ops are tiny.
    # `make bench` on 2 idle cores, 2 processes, 16 senders: chat 54.0 msg/s against 48.0 with TF's defaults.
    # (Training is faster with TF's defaults, so `make train` keeps them.) An operator's own values win.
    rasa_env = {"TF_INTER_OP_PARALLELISM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1", **env}
    return [
        Service(
            "actions",
            [str(app_py), "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.action_port)],
            # One BLAS thread: per-question vector math is tiny, and thread start-up dominated it (24 ms vs 1 ms).
            {**env, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
            f"http://127.0.0.1:{settings.action_port}/health",
            settings.action_port,
        ),
        *(
            Service(
                rasa_name(i),
                [
                    str(rasa_bin), "run", "--model", str(model),
                    "--endpoints", str(root / "bot" / "endpoints.yml"),
                    "--credentials", str(root / "bot" / "credentials.yml"),
                    "--interface", "127.0.0.1", "--port", str(port),
                    "--enable-api", "--auth-token", settings.rasa_token,
                ],
                rasa_env,
                f"http://127.0.0.1:{port}/status?token={settings.rasa_token}",
                port,
            )
            for i, port in enumerate(rasa_ports(settings))
        ),
        Service(
            "app",
            [str(app_py), "-m", "uvicorn", "web.main:app_factory", "--factory",
             "--host", settings.host, "--port", str(settings.port), "--no-access-log",
             # websockets 10.4 (pinned by rasa-sdk) is too old for uvicorn's ws support; the app needs none.
             "--ws", "none"],
            env,
            f"http://{_client_host(settings.host)}:{settings.port}/healthz",
            settings.port,
            host=settings.host,
        ),
    ]


def _client_host(host: str) -> str:
    return "127.0.0.1" if host in {"0.0.0.0", ""} else host


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def taken_ports(services: list[Service]) -> list[Service]:
    return [s for s in services if not port_free(s.host, s.port)]


def start(service: Service, cwd: Path = PROJECT_ROOT) -> None:
    # A process group per child, so stopping it also stops anything it spawned (Sanic workers).
    service.proc = subprocess.Popen(service.argv, env=service.env, cwd=cwd, start_new_session=True)


def stop_all(services: list[Service], grace_s: float = 10.0) -> None:
    running = [s for s in services if s.proc and s.proc.poll() is None]
    for s in running:
        _signal_group(s.proc, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for s in running:
        try:
            s.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(s.proc, signal.SIGKILL)
            s.proc.wait()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def first_dead(services: list[Service]) -> Service | None:
    return next((s for s in services if s.proc and s.proc.poll() is not None), None)


def wait_ready(services: list[Service], timeout_s: float) -> Service | None:
    """Wait until every service answers its health URL. Returns a service that died, else None."""
    deadline = time.monotonic() + timeout_s
    pending = list(services)
    with httpx.Client(timeout=1.0) as client:
        while pending:
            dead = first_dead(services)
            if dead:
                return dead
            if time.monotonic() > deadline:
                raise TimeoutError(", ".join(s.name for s in pending))
            for s in list(pending):
                try:
                    if client.get(s.health_url).status_code == 200:
                        pending.remove(s)
                except httpx.HTTPError:
                    pass
            time.sleep(0.5)
    return None


WARM_UP_QUESTION = "국가 AI 데이터센터는 언제 문을 열어요?"  # a knowledge question: its answer needs the action server's index


def warm_up(services: list[Service], timeout_s: float = 30.0, knowledge_timeout_s: float = 180.0) -> None:
    """Messages through the Rasa servers before citizens arrive, under the sender "__warmup__", which no channel can
    produce (web:/kakao: prefixes).

    - A greeting through each Rasa: its first message builds TensorFlow's graphs (about 2 s on this machine, close to
      the app's 2.5 s deadline), so the first citizen would get the apology.
    - Then one knowledge question through the first Rasa, waiting for the answer: the action server builds its
      knowledge index at start-up (actions/warmup.py), which takes ~35 s when the fitted question bank is not
      cached yet (a new clone, or edited knowledge files), longer than Rasa takes to start on a loaded machine.
      Its answer means the stack answers questions within the app's deadline."""
    rasas = [s for s in services if s.name.startswith("rasa")]
    with httpx.Client(timeout=timeout_s) as client:
        for s in rasas:
            try:
                client.post(f"http://127.0.0.1:{s.port}/webhooks/rest/webhook",
                            json={"sender": "__warmup__", "message": "안녕하세요"})
            except httpx.HTTPError as exc:  # not fatal: the first citizen is only slower
                log.warning("warm-up of %s failed: %s", s.name, type(exc).__name__)
        if not rasas or not any(s.name == "actions" for s in services):
            return
        started = time.monotonic()
        try:
            reply = client.post(f"http://127.0.0.1:{rasas[0].port}/webhooks/rest/webhook",
                                json={"sender": "__warmup__", "message": WARM_UP_QUESTION},
                                timeout=knowledge_timeout_s)
            answered = reply.status_code == 200 and bool(reply.json())
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("knowledge warm-up failed: %s", type(exc).__name__)
            return
        log.info("knowledge warm-up %s in %.1f s", "answered" if answered else "got no answer",
                 time.monotonic() - started)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_run(count: int) -> int:
    """A free port followed by count-1 free ports (several Rasa instances on consecutive ports)."""
    for _ in range(50):
        port = free_port()
        if port + count - 1 < 65536 and all(port_free("127.0.0.1", port + i) for i in range(1, count)):
            return port
    raise RuntimeError(f"no {count} consecutive free ports")


def isolated_settings(var_dir: Path, **overrides) -> Settings:
    """Settings for a private stack (tests, benchmarks, load tests): own data files, free loopback ports."""
    # One Rasa unless asked (rasa_instances=N): private stacks for tests and benchmarks stay at 1.6 GB.
    instances = int(overrides.get("rasa_instances", 1))
    values = {
        "var_dir": var_dir, "db_path": var_dir / "civic.db", "tracker_db_path": var_dir / "tracker.db",
        "rasa_token": secrets.token_urlsafe(16), "kakao_skill_secret": secrets.token_urlsafe(16),
        "session_secret": secrets.token_urlsafe(32), "host": "127.0.0.1",
        "port": free_port(), "rasa_port": free_port_run(instances), "action_port": free_port(),
        "rasa_instances": instances,
    }
    values.update(overrides)
    settings = Settings(**values)
    return settings.model_copy(update={"rasa_url": f"http://127.0.0.1:{settings.rasa_port}",
                                       "rasa_urls": rasa_urls(settings),
                                       "action_url": f"http://127.0.0.1:{settings.action_port}"})


@contextmanager
def running(services: list[Service], timeout_s: float = 240):
    """Start services, wait until healthy, and always stop them (and their process groups) afterwards."""
    try:
        for s in services:
            start(s)
        dead = wait_ready(services, timeout_s=timeout_s)
        if dead:
            raise RuntimeError(f"{dead.name} exited during start-up with {dead.proc.returncode}")
        warm_up(services)
        yield services
    finally:
        stop_all(services)


def prepare_settings(settings: Settings) -> Settings:
    """Secrets that must exist at run time are generated for local use when not configured."""
    updates: dict[str, str] = {}
    if not settings.rasa_token:
        updates["rasa_token"] = secrets.token_urlsafe(24)
    if not settings.kakao_skill_secret:
        if settings.environment == "production":
            raise SystemExit("KAKAO_SKILL_SECRET must be set in production (see .env.example).")
        updates["kakao_skill_secret"] = secrets.token_urlsafe(24)
        print(f"카카오 스킬 시크릿(로컬용, 헤더 X-Skill-Secret): {updates['kakao_skill_secret']}", flush=True)
    if not settings.session_secret:
        updates["session_secret"] = secrets.token_urlsafe(32)
    return settings.model_copy(update=updates)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = prepare_settings(get_settings())
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    model = PROJECT_ROOT / "models" / "gwangju.tar.gz"
    services = build_services(settings, model)
    taken = taken_ports(services)
    if taken:
        for s in taken:
            print(f"포트 {s.port}({s.name})가 이미 사용 중이에요. 그 프로세스를 끄거나 다른 포트를 지정해 주세요 "
                  f"(예: PORT=8080 make run). Port {s.port} ({s.name}) is already in use.", file=sys.stderr)
        return EXIT_PORT_TAKEN
    if not model.exists():
        print("학습된 Rasa 모델이 없어요: `make run`으로 실행하면 먼저 학습해요.", file=sys.stderr)
        return EXIT_NOT_READY

    url = f"http://{_client_host(settings.host)}:{settings.port}/"

    def announce() -> None:
        print(f"\n준비됐어요! 채팅 페이지: {url}  (관리자: {url}admin, API 문서: {url}docs)\n"
              f"Ready: chat page at {url} — Ctrl-C stops all processes.\n", flush=True)

    return supervise(services, float(os.environ.get("READY_TIMEOUT_S", "180")), announce)


def supervise(services: list[Service], ready_timeout_s: float, on_ready=lambda: None) -> int:
    """Start the services, wait until they are healthy, then watch them until a signal or a death."""
    stopping = False

    def _on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        for s in services:
            start(s)
        try:
            dead = wait_ready(services, timeout_s=ready_timeout_s)
        except TimeoutError as exc:
            print(f"시간 안에 준비되지 않은 프로세스: {exc}", file=sys.stderr)
            return EXIT_NOT_READY
        if dead:
            print(f"{dead.name} 프로세스가 시작 중에 종료됐어요 (exit {dead.proc.returncode}).", file=sys.stderr)
            return exit_code(dead.name)
        warm_up(services)
        on_ready()
        while not stopping:
            dead = first_dead(services)
            if dead:
                print(f"{dead.name} 프로세스가 종료됐어요 (exit {dead.proc.returncode}). 나머지도 멈춰요.",
                      file=sys.stderr)
                return exit_code(dead.name)
            time.sleep(0.5)
        print("모든 프로세스를 멈추는 중이에요…", flush=True)
        return 0
    finally:
        stop_all(services)


if __name__ == "__main__":
    sys.exit(main())
