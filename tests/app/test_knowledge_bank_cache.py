"""The fitted question bank is cached on disk, keyed by its inputs: a restart loads it, an edit fits it again."""
import logging

import numpy as np
import pytest
import yaml

from civic.settings import PROJECT_ROOT
from knowledge.qbank import NULL, QuestionBank
from knowledge.search import KnowledgeBase

ENTRIES = PROJECT_ROOT / "knowledge" / "entries.yml"


def _words(text: str) -> list[str]:
    return text.split()


def _bank() -> QuestionBank:
    texts = ["데이터센터 언제 열어", "데이터센터 예산 얼마", "사관학교 수료 인원", "사관학교 모집", "부산 날씨", "점심 메뉴"]
    labels = ["dc", "dc", "academy", "academy", NULL, NULL]
    return QuestionBank(_words, ["academy", "dc", "other"], texts, labels)


def test_a_saved_bank_loads_with_the_same_scores(tmp_path):
    bank = _bank()
    bank.save(tmp_path / "bank.npz")
    loaded = QuestionBank.load(tmp_path / "bank.npz", _words, ["academy", "dc", "other"])
    assert loaded is not None and loaded.fitted and loaded.classes == bank.classes
    for question in ["데이터센터 언제", "사관학교 모집 인원", "내일 날씨", "전혀 모르는 말"]:
        (p1, n1), (p2, n2) = bank.scores(question), loaded.scores(question)
        assert np.array_equal(p1, p2) and n1 == n2


def test_a_bank_for_other_entries_or_a_broken_file_is_not_used(tmp_path, caplog):
    _bank().save(tmp_path / "bank.npz")
    assert QuestionBank.load(tmp_path / "bank.npz", _words, ["academy", "dc"]) is None  # an entry was deleted
    assert QuestionBank.load(tmp_path / "missing.npz", _words, ["academy", "dc", "other"]) is None
    (tmp_path / "broken.npz").write_bytes((tmp_path / "bank.npz").read_bytes()[:500])  # a write cut short
    with caplog.at_level(logging.WARNING):
        assert QuestionBank.load(tmp_path / "broken.npz", _words, ["academy", "dc", "other"]) is None
    assert "not usable" in caplog.text


def test_an_unfitted_bank_cannot_be_saved(tmp_path):
    bank = QuestionBank(_words, ["dc"], ["데이터센터 규모"], ["dc"])
    with pytest.raises(ValueError):
        bank.save(tmp_path / "bank.npz")


@pytest.fixture
def questions(tmp_path):
    path = tmp_path / "questions.yml"
    path.write_text(yaml.safe_dump({"questions": [
        {"q": "국가 AI 데이터센터 언제 열어요", "expect": "data_center"},
        {"q": "데이터센터 사업비 얼마예요", "expect": "data_center"},
        {"q": "인공지능 사관학교 몇 명 뽑아요", "expect": "ai_academy"},
        {"q": "사관학교 수료생 취업", "expect": "ai_academy"},
        {"q": "내일 광주 날씨 어때요", "expect": None},
    ]}, allow_unicode=True), encoding="utf-8")
    return path


def test_a_second_start_loads_the_cached_fit_and_an_edit_fits_again(tmp_path, questions, caplog):
    cache = tmp_path / "cache"
    question = "데이터센터 언제 열어요?"
    with caplog.at_level(logging.INFO, logger="knowledge.search"):
        first = KnowledgeBase(ENTRIES, questions_path=questions, bank_cache_dir=cache).search(question)
        assert "loaded from the cache" not in caplog.text
        assert len(list(cache.glob("bank-*.npz"))) == 1
        caplog.clear()
        second = KnowledgeBase(ENTRIES, questions_path=questions, bank_cache_dir=cache).search(question)
        assert "loaded from the cache" in caplog.text
    assert second.top.id == first.top.id and second.confidence == first.confidence
    assert second.candidates[0].features == first.candidates[0].features  # qb and qnull included
    assert "qb" in first.candidates[0].features

    # A labelled question added: other inputs, another key, a new fit (the old file stays for a rollback).
    data = yaml.safe_load(questions.read_text(encoding="utf-8"))
    data["questions"].append({"q": "데센 개소 시기", "expect": "data_center"})
    questions.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="knowledge.search"):
        KnowledgeBase(ENTRIES, questions_path=questions, bank_cache_dir=cache).search(question)
    assert "loaded from the cache" not in caplog.text
    assert len(list(cache.glob("bank-*.npz"))) == 2


def test_without_a_cache_folder_nothing_is_written(tmp_path, questions, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kb = KnowledgeBase(ENTRIES, questions_path=questions, bank_cache_dir=None)
    assert kb.search("데이터센터 언제 열어요?").top is not None and kb.question_bank is not None
    assert list(tmp_path.rglob("*.npz")) == []


def test_old_fits_are_pruned_to_the_most_recently_used(tmp_path):
    import os

    from knowledge.search import _prune

    for i in range(5):
        (tmp_path / f"bank-{i}.npz").write_bytes(b"x")
        os.utime(tmp_path / f"bank-{i}.npz", (1000 + i, 1000 + i))
    _prune(tmp_path, "bank-*.npz", keep=2)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["bank-3.npz", "bank-4.npz"]
