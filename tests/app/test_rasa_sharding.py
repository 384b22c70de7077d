"""Several Rasa processes (RASA_INSTANCES): each sender always on the same instance, /healthz names an instance that is
down, and the supervisor starts, names and exit-codes every instance. Rasa is the loopback fake `SlowRasa`."""
import asyncio
import json
import zlib

import pytest
from fastapi.testclient import TestClient

from civic.supervisor import build_services, exit_code, free_port, isolated_settings, port_free
from tests.app.conftest import make_settings
from tests.app.fake_kakao import SlowRasa
from web.rasa_client import RasaClient, RasaUnavailable


def reply(name: str) -> list[dict]:
    return [{"text": f"answer from {name}"}]


@pytest.fixture
def two_rasas():
    with SlowRasa(0.0, reply("first"), lifetime_s=60) as a, SlowRasa(0.0, reply("second"), lifetime_s=60) as b:
        yield a, b


def test_each_sender_always_reaches_the_same_instance(two_rasas):
    a, b = two_rasas
    senders = [f"web:citizen-{i}" for i in range(40)]

    async def scenario():
        client = RasaClient([a.url, b.url], a.url, timeout_s=2.5)
        try:
            out = {}
            for _ in range(2):
                for s in senders:
                    out.setdefault(s, set()).add((await client.send(s, "안녕하세요"))[0].text)
            return out, [client.instance(s) for s in senders]
        finally:
            await client.aclose()

    answers, placement = asyncio.run(scenario())
    assert all(len(seen) == 1 for seen in answers.values()), "a sender moved between instances"
    assert placement == [zlib.crc32(s.encode()) % 2 for s in senders]  # stable across processes and restarts
    assert 10 <= placement.count(0) <= 30, "senders are spread over both instances"
    assert {r["body"]["sender"] for r in a.received} | {r["body"]["sender"] for r in b.received} == set(senders)
    assert not {r["body"]["sender"] for r in a.received} & {r["body"]["sender"] for r in b.received}


def test_healthz_names_the_instance_that_is_down_and_the_others_keep_answering(tmp_path, two_rasas):
    from web.main import create_app

    a, _ = two_rasas
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: instance 2 is down
    settings = make_settings(tmp_path, action_port=a.port)  # the fake answers GET /health too
    app = create_app(settings)
    app.state.rasa = client = RasaClient([a.url, dead], a.url, timeout_s=2.5)
    on_live = next(f"s{i}" for i in range(100) if client.instance(f"web:s{i}") == 0)
    on_dead = next(f"s{i}" for i in range(100) if client.instance(f"web:s{i}") == 1)
    with TestClient(app) as c:
        health = c.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "degraded", "app": "ok", "rasa": "down", "actions": "ok",
                                 "rasa_down": ["rasa-2"]}
        live = c.post("/api/chat", json={"sender": on_live, "message": "안녕하세요"})
        down = c.post("/api/chat", json={"sender": on_dead, "message": "안녕하세요"})
    assert live.status_code == 200 and live.json()["messages"][0]["text"] == "answer from first"
    assert down.status_code == 503 and down.json()["error"]["part"] == "rasa"


def test_one_instance_keeps_the_single_rasa_contract(tmp_path, two_rasas):
    a, _ = two_rasas
    client = RasaClient(a.url, a.url)
    assert client.rasa_urls == [a.url] and client.instance("web:anyone") == 0
    asyncio.run(client.aclose())


def test_supervisor_builds_one_service_per_instance_on_consecutive_ports(tmp_path):
    settings = isolated_settings(tmp_path, rasa_instances=3)
    services = build_services(settings)
    rasas = [s for s in services if s.name.startswith("rasa")]
    assert [s.name for s in rasas] == ["rasa", "rasa-2", "rasa-3"]
    assert [s.port for s in rasas] == [settings.rasa_port + i for i in range(3)]
    assert all(port_free("127.0.0.1", s.port) for s in rasas)
    assert all(s.argv[s.argv.index("--port") + 1] == str(s.port) for s in rasas)
    app = next(s for s in services if s.name == "app")
    assert json.loads(app.env["RASA_URLS"]) == [f"http://127.0.0.1:{s.port}" for s in rasas] == settings.rasa_urls
    assert RasaClient.from_settings(settings).rasa_urls == settings.rasa_urls
    assert [exit_code(s.name) for s in services] == [5, 4, 4, 4, 3]
    # Private stacks (tests, benchmarks) run one Rasa unless asked.
    assert [s.name for s in build_services(isolated_settings(tmp_path / "one")) if s.name.startswith("rasa")] == [
        "rasa"]


def test_a_request_to_a_busy_instance_does_not_block_the_other(two_rasas):
    """Shedding is per instance: one overloaded Rasa does not refuse the other's citizens."""
    with SlowRasa(1.0, reply("slow"), lifetime_s=30) as slow, SlowRasa(0.0, reply("fast"), lifetime_s=30) as fast:
        async def scenario():
            client = RasaClient([slow.url, fast.url], slow.url, max_in_flight=1, queue_wait_s=0.1)
            on_slow = [s for s in (f"web:x{i}" for i in range(50)) if client.instance(s) == 0][:2]
            on_fast = next(s for s in (f"web:y{i}" for i in range(50)) if client.instance(s) == 1)
            try:
                first = asyncio.create_task(client.send(on_slow[0], "a"))
                await asyncio.sleep(0.05)
                with pytest.raises(RasaUnavailable):
                    await client.send(on_slow[1], "b")
                other = await client.send(on_fast, "c")
                return (await first)[0].text, other[0].text
            finally:
                await client.aclose()

        assert asyncio.run(scenario()) == ("answer from slow", "answer from fast")
