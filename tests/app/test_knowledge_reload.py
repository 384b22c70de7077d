"""The server's knowledge base rebuilds after an edit in the background and answers from the last good version."""
import os
import shutil
import time

from knowledge import search
from knowledge.search import KnowledgeBase, get_knowledge_base
from tests.app.test_knowledge_search import ENTRIES

QUESTION = "GIST 인공지능대학원 정원"
OLD, NEW = "AI 인재를 기르는 인공지능대학원으로 선정됐어요.", "AI 인재를 기르는 인공지능대학원으로 뽑혔어요."


def _copy(tmp_path):
    path = tmp_path / "entries.yml"
    shutil.copy(ENTRIES, path)
    return path


def _edit(path, text):
    path.write_text(text, encoding="utf-8")
    os.utime(path, (time.time() + 5, time.time() + 5))  # a new stamp even within the file system's time resolution


def test_an_edit_is_served_after_the_background_rebuild_and_the_old_version_meanwhile(tmp_path):
    path = _copy(tmp_path)
    kb = KnowledgeBase(path, questions_path=None, background_reload=True)
    assert OLD in kb.entry("gist_grad").answer
    _edit(path, path.read_text(encoding="utf-8").replace(OLD, NEW))
    assert OLD in kb.entry("gist_grad").answer  # does not wait for the rebuild
    kb.wait_for_reload(30)
    assert NEW in kb.entry("gist_grad").answer


def test_a_failed_background_rebuild_keeps_the_last_good_version_and_a_later_edit_is_picked_up(tmp_path, monkeypatch):
    path = _copy(tmp_path)
    kb = KnowledgeBase(path, questions_path=None, background_reload=True)
    assert kb.entry("gist_grad") is not None
    good_index = search._Index

    def broken(*args, **kwargs):
        raise RuntimeError("index build failed")

    monkeypatch.setattr(search, "_Index", broken)
    _edit(path, path.read_text(encoding="utf-8").replace(OLD, NEW))
    kb.search(QUESTION)
    kb.wait_for_reload(30)
    assert OLD in kb.entry("gist_grad").answer  # still the last good version, no exception
    kb.wait_for_reload(30)
    monkeypatch.setattr(search, "_Index", good_index)
    _edit(path, path.read_text(encoding="utf-8") + "\n")
    kb.search(QUESTION)
    kb.wait_for_reload(30)
    assert NEW in kb.entry("gist_grad").answer


def test_the_first_build_and_tools_still_wait(tmp_path):
    path = _copy(tmp_path)
    kb = KnowledgeBase(path, questions_path=None)  # the default: evaluations and tests see an edit at once
    assert kb.entry("gist_grad") is not None
    _edit(path, path.read_text(encoding="utf-8").replace(OLD, NEW))
    assert NEW in kb.entry("gist_grad").answer


def test_the_servers_shared_instance_rebuilds_in_the_background(tmp_path):
    assert get_knowledge_base(_copy(tmp_path)).background_reload
