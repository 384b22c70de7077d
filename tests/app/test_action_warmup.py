"""actions/warmup.py: the action server builds the knowledge index at start-up, in the background."""
import importlib
import sys
import threading


def test_importing_the_module_builds_the_shared_index_in_a_daemon_thread(monkeypatch):
    from knowledge.search import get_knowledge_base

    # Threads are recorded as they start: when an earlier test has built the shared index already, the warm-up
    # thread ends at once and threading.enumerate() afterwards may no longer list it.
    started = []
    real_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: (started.append(self), real_start(self))[1])
    sys.modules.pop("actions.warmup", None)
    warmup = importlib.import_module("actions.warmup")  # what rasa-sdk does when it loads the package
    threads = [t for t in started if t.name == warmup.THREAD_NAME]
    assert threads and all(t.daemon for t in threads)
    for t in threads:
        t.join(timeout=120)
    kb = get_knowledge_base()
    assert kb._index is not None and kb._stamp is not None  # built: the first question finds it ready


def test_a_failed_warm_up_is_logged_not_raised(monkeypatch, caplog):
    from actions import warmup

    def broken():
        raise RuntimeError("entries.yml unreadable")

    monkeypatch.setattr(warmup, "get_knowledge_base", broken)
    warmup.warm_up()
    assert "warm-up failed" in caplog.text
