"""`make run`'s supervisor: a taken port is named, and nothing is left half-started."""
import os
import socket
import subprocess
import sys

import pytest

from civic.settings import PROJECT_ROOT
from civic.supervisor import free_port


def test_taken_port_is_named_and_nothing_starts():
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        env = dict(os.environ, PORT=str(port), RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()))
        proc = subprocess.run([sys.executable, "-m", "civic.supervisor"], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert f"포트 {port}(app)" in proc.stderr
    assert "rasa" not in proc.stdout.lower()


def _fake_service(name, port, then="time.sleep(60)"):
    """A process that answers its health URL at once, then runs `then` (e.g. exits with a status)."""
    from civic.supervisor import Service

    code = ("import http.server,socketserver,threading,time,sys\n"
            "class H(http.server.BaseHTTPRequestHandler):\n"
            "    def do_GET(self): self.send_response(200); self.end_headers()\n"
            "    def log_message(self,*a): pass\n"
            f"s=socketserver.TCPServer(('127.0.0.1',{port}),H)\n"
            "threading.Thread(target=s.serve_forever,daemon=True).start()\n"
            f"{then}\n")
    return Service(name, [sys.executable, "-c", code], dict(os.environ), f"http://127.0.0.1:{port}/", port)


@pytest.mark.parametrize(("names", "dying", "status"), [
    (["actions", "rasa", "app"], "rasa", 4),
    (["actions", "rasa", "rasa-2", "app"], "rasa-2", 4),  # any Rasa instance exits with Rasa's status
])
def test_when_one_process_dies_the_others_are_stopped_and_the_exit_status_names_it(names, dying, status):
    from civic.supervisor import supervise

    services = [_fake_service(n, free_port(), "time.sleep(2); sys.exit(7)" if n == dying else "time.sleep(60)")
                for n in names]
    assert supervise(services, ready_timeout_s=30) == status
    assert all(s.proc.poll() is not None for s in services), "no process is left running"
