"""bench/merge_blind.py: what the lead's one-time test files keep and drop (no training)."""
from pathlib import Path

import yaml

from bench.merge_blind import merge_kb, merge_nlu, retire_kb

HEADER = "Blind test set written by engineers A and B.\nCommitted before any scoring."


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_nlu_merge_drops_training_messages_and_repeats_up_to_spacing(tmp_path):
    header = tmp_path / "h.txt"
    header.write_text(HEADER)
    a = write(tmp_path / "a.yml", {"nlu": [{"intent": "greet", "examples": "- 안녕하세요\n- 반가워요 챗봇님\n"}]})
    b = write(tmp_path / "b.yml", {"nlu": [{"intent": "greet", "examples": "- 반가워요  챗봇님!\n"},
                                          {"intent": "propose", "examples": "- 효천역 앞 횡단보도 신호가 너무 짧아요\n"}]})
    out = tmp_path / "eval" / "test_blind.yml"
    out.parent.mkdir()
    written, dropped = merge_nlu([a, b], header, out)
    assert sum(written.values()) == 4 and dropped == {"greet": 2}  # 안녕하세요 is trained on; the second is a repeat
    text = out.read_text()
    assert text.startswith("# Blind test set written by engineers A and B.\n# Committed before any scoring.\n")
    merged = {b["intent"]: b["examples"].split("\n- ") for b in yaml.safe_load(text)["nlu"]}
    assert merged == {"greet": ["- 반가워요 챗봇님\n"], "propose": ["- 효천역 앞 횡단보도 신호가 너무 짧아요\n"]}


def test_kb_merge_drops_exact_repeats_and_keeps_every_field(tmp_path):
    header = tmp_path / "h.txt"
    header.write_text(HEADER)
    q1 = {"q": "데이터센터 언제 열어요?", "expect": "data_center", "kind": "paraphrase", "batch": 21}
    q2 = {"q": "거기 예산은요?", "expect": None, "kind": "followup", "context": "data_center", "batch": 21}
    a = write(tmp_path / "a.yml", {"questions": [q1, q2]})
    b = write(tmp_path / "b.yml", {"questions": [dict(q1, kind="typo")]})
    out = tmp_path / "blind_test.yml"
    assert merge_kb([a, b], header, out) == {"answerable": 1, "unanswerable": 1, "repeat": 1}
    assert yaml.safe_load(out.read_text())["questions"] == [q1, q2]


def test_a_malformed_writer_file_is_a_one_line_korean_error_and_nothing_is_written(tmp_path, monkeypatch):
    import sys

    import pytest

    from bench import merge_blind

    header, bad = tmp_path / "h.txt", tmp_path / "bad.yml"
    header.write_text(HEADER)
    bad.write_text("questions: [ {q: 열린 따옴표")
    out = tmp_path / "blind_test.yml"
    monkeypatch.setattr(merge_blind, "KB_OUT", out)
    monkeypatch.setattr(sys, "argv", ["merge_blind", "kb", "--header", str(header), str(bad)])
    with pytest.raises(SystemExit) as exc:
        merge_blind.main()
    assert str(exc.value).startswith("병합하지 못했어요") and not out.exists()


def test_kb_retire_appends_new_questions_to_the_development_set_and_removes_the_blind_file(tmp_path):
    header = tmp_path / "h.txt"
    header.write_text("batch 23: written blind, scored once.")
    entries = write(tmp_path / "entries.yml", {"entries": [{"id": "data_center", "questions": ["데이터센터 예산은?"]}]})
    dev = tmp_path / "questions.yml"
    # questions.yml's own layout: a sequence indented under `questions:`, one flow mapping per line
    dev.write_text('version: 1\nquestions:\n  - {q: "거기 예산은요?", expect: null, kind: followup, context: phase1}\n')
    rows = [{"q": "거기  예산은요?", "expect": None, "kind": "followup", "context": "phase1", "batch": 23},  # repeat
            {"q": "거기 예산은요?", "expect": "data_center", "kind": "followup", "context": "data_center", "batch": 23},
            {"q": "데이터센터 예산은 ?", "expect": "data_center", "kind": "typo", "batch": 23},  # example copy
            {"q": "데센 언제 열어요?", "expect": "data_center", "kind": "slang", "batch": 23}]
    blind = write(tmp_path / "blind_test.yml", {"questions": rows})
    assert retire_kb(header, blind, dev, entries) == {"repeat": 1, "example copy": 1, "moved": 2}
    assert not blind.exists()
    text = dev.read_text()
    assert "  # batch 23: written blind, scored once.\n" in text
    moved = yaml.safe_load(text)["questions"]
    assert [q["q"] for q in moved] == ["거기 예산은요?", "거기 예산은요?", "데센 언제 열어요?"]
    assert moved[1]["context"] == "data_center" and moved[2]["batch"] == 23
