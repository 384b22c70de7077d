"""The evaluation protocol: stratified folds, re-banding that matches the search, and the held-out test file."""
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bench import eval_kb
from bench.eval_kb import (
    FOLDS,
    Question,
    QuestionFileError,
    Scorer,
    band_at,
    choose_weights,
    folds,
    load_questions,
    main,
)
from knowledge.search import KnowledgeBase

ENTRIES = Path(__file__).resolve().parents[2] / "knowledge" / "entries.yml"


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase(ENTRIES)


def test_folds_cover_every_question_once_stratified_and_reproducibly():
    questions = load_questions()
    parts = folds(questions)
    assert len(parts) == FOLDS
    assert sorted(q.q for part in parts for q in part) == sorted(q.q for q in questions)
    for answerable in (True, False):
        sizes = [sum(q.answerable == answerable for q in part) for part in parts]
        assert max(sizes) - min(sizes) <= 1
    # The assignment depends on the questions, not on their order in the file.
    assert [{q.q for q in p} for p in folds(list(reversed(questions)))] == [{q.q for q in p} for p in parts]


def test_rebanding_gives_the_band_the_search_gives(kb):
    scorer = Scorer(kb)
    sample = [q for q in load_questions() if not q.context][::9]
    for answer_t, clarify_t in [(0.9, 0.4), (0.6, 0.2), (0.99, 0.98)]:
        p = replace(kb.params, answer_threshold=answer_t, clarify_threshold=clarify_t)
        for outcome in scorer.run(sample, p):
            assert outcome.band == kb.search(outcome.question.q, None, p).band, outcome.question.q


def test_band_at_refuses_what_the_search_refuses_whatever_the_thresholds(kb):
    result = kb.search("국가 AI 데이터센터 전화번호 알려줘")
    assert not result.grounded and band_at(result, 0.0, 0.0) == "unknown"


def test_the_fast_weight_search_ranks_like_the_search(kb):
    questions = [q for q in load_questions() if q.answerable and not q.context][:40]
    weights = choose_weights(kb, questions)
    p = replace(kb.params, weights=weights)
    right = sum(kb.search(q.q, None, p).top.id in q.expect for q in questions)
    assert right >= 0.9 * len(questions)


def test_question_files_are_checked(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("questions: [broken", encoding="utf-8")
    with pytest.raises(QuestionFileError):
        load_questions(bad)
    bad.write_text("questions:\n  - {expect: overview}\n", encoding="utf-8")
    with pytest.raises(QuestionFileError):
        load_questions(bad)


def _small_set(path: Path, per_entry: int = 2) -> list[Question]:
    """A small development set (the first questions of each entry and some unanswerable ones) for quick runs."""
    questions = load_questions()
    seen: dict[str, int] = {}
    chosen = []
    for q in questions:
        key = q.expect[0] if q.expect else "-"
        limit = 12 if key == "-" else per_entry
        if seen.get(key, 0) < limit and not q.context:
            seen[key] = seen.get(key, 0) + 1
            chosen.append(q)
    path.write_text(yaml.safe_dump({"questions": [
        {"q": q.q, "expect": list(q.expect) or None, "kind": q.kind} for q in chosen]}, allow_unicode=True),
        encoding="utf-8")
    return chosen


def test_a_missing_test_file_is_reported_and_the_dev_figures_still_printed(tmp_path, capsys):
    dev = tmp_path / "dev.yml"
    _small_set(dev)
    code = main(["--questions", str(dev), "--folds", "2", "--no-doc", "--test-file", str(tmp_path / "none.yml")])
    out, err = capsys.readouterr()
    assert code == 0
    assert "does not exist" in err and "no held-out figure" in out
    assert "2-fold cross-validated" in out and "**test" not in out


def test_a_test_file_is_scored_with_the_final_parameters_and_never_tuned_on(tmp_path, capsys, monkeypatch):
    dev = tmp_path / "dev.yml"
    _small_set(dev)
    test = tmp_path / "test.yml"
    test.write_text(yaml.safe_dump({"questions": [
        {"q": "국가 AI 데이터센터는 언제 개소해요?", "expect": "data_center", "kind": "paraphrase"},
        {"q": "부산 AI 데이터센터 예산은 얼마예요?", "expect": None, "kind": "unanswerable"},
        {"q": "거기 예산은 얼마예요?", "expect": ["data_center"], "kind": "followup", "context": "data_center"},
    ]}, allow_unicode=True), encoding="utf-8")
    tuned_on = []
    real_tune = eval_kb.tune
    monkeypatch.setattr(eval_kb, "tune", lambda scorer, train, *a: tuned_on.append({q.q for q in train})
                        or real_tune(scorer, train, *a))
    code = main(["--questions", str(dev), "--folds", "2", "--no-doc", "--test-file", str(test)])
    out, _ = capsys.readouterr()
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("| **test"))
    assert "| 2 |" in row and "| 1 |" in row  # 2 answerable, 1 unanswerable
    assert "Test-set misses" in out and "also occur" not in out
    test_questions = {q.q for q in load_questions(test)}
    assert tuned_on and all(train.isdisjoint(test_questions) for train in tuned_on)


def test_no_cv_tunes_once_on_all_of_the_dev_set_and_scores_the_test_file(tmp_path, capsys, monkeypatch):
    dev = tmp_path / "dev.yml"
    chosen = _small_set(dev)
    test = tmp_path / "test.yml"
    test.write_text(yaml.safe_dump({"questions": [
        {"q": "국가 AI 데이터센터는 언제 개소해요?", "expect": "data_center", "kind": "paraphrase"}]},
        allow_unicode=True), encoding="utf-8")
    tuned_on = []
    real_tune = eval_kb.tune
    monkeypatch.setattr(eval_kb, "tune", lambda scorer, train, *a: tuned_on.append(len(train))
                        or real_tune(scorer, train, *a))
    assert main(["--questions", str(dev), "--no-cv", "--no-doc", "--test-file", str(test)]) == 0
    out, _ = capsys.readouterr()
    assert tuned_on == [len(chosen)]
    assert "cross-validated" not in out.split("Targets:")[0].replace("`--no-cv`", "")
    assert "--no-cv" in out and any(line.startswith("| **test") for line in out.splitlines())


def test_no_test_never_reads_a_test_file(tmp_path, capsys):
    dev = tmp_path / "dev.yml"
    _small_set(dev)
    unreadable = tmp_path / "test.yml"
    unreadable.write_text("questions: [broken", encoding="utf-8")  # reading it would fail the run
    code = main(["--questions", str(dev), "--folds", "2", "--no-doc", "--no-test", "--test-file", str(unreadable)])
    out, _ = capsys.readouterr()
    assert code == 0 and "not scored in this run" in out


def test_unknown_entry_ids_in_a_test_file_stop_the_run(tmp_path, capsys):
    dev = tmp_path / "dev.yml"
    _small_set(dev)
    test = tmp_path / "test.yml"
    test.write_text("questions:\n  - {q: 질문, expect: no_such_entry, kind: paraphrase}\n", encoding="utf-8")
    assert main(["--questions", str(dev), "--folds", "2", "--no-doc", "--test-file", str(test)]) == 2
    assert "no_such_entry" in capsys.readouterr().err


def test_test_questions_also_in_the_development_set_are_flagged(tmp_path, capsys):
    dev = tmp_path / "dev.yml"
    chosen = _small_set(dev)
    test = tmp_path / "test.yml"
    test.write_text(yaml.safe_dump({"questions": [
        {"q": chosen[0].q.replace(" ", ""), "expect": list(chosen[0].expect) or None, "kind": chosen[0].kind},
        {"q": "부산 AI 데이터센터 예산은 얼마예요?", "expect": None, "kind": "unanswerable"},
    ]}, allow_unicode=True), encoding="utf-8")
    assert main(["--questions", str(dev), "--folds", "2", "--no-doc", "--test-file", str(test)]) == 0
    out, err = capsys.readouterr()
    assert "1 test questions also occur" in err and "1 of the test questions also occur" in out


def test_holdout_batch_tunes_without_the_batch_and_reads_no_test_file(tmp_path, capsys, monkeypatch):
    from bench import eval_kb

    monkeypatch.setattr(eval_kb, "TEST_FILE", tmp_path / "must_not_be_read.yml")
    questions = tmp_path / "q.yml"
    questions.write_text(
        "questions:\n"
        "  - {q: '데이터센터 언제 열어요', expect: data_center, kind: paraphrase}\n"
        "  - {q: '사관학교 몇 명 교육해요', expect: ai_academy, kind: paraphrase}\n"
        "  - {q: '주차장 어디예요', expect: null, kind: unanswerable}\n"
        "  - {q: 'GIST 대학원 정원', expect: gist_grad, kind: paraphrase, batch: 2}\n"
        "  - {q: '월요대화 다음 일정', expect: null, kind: unanswerable, batch: 2}\n", encoding="utf-8")
    assert eval_kb.main(["--questions", str(questions), "--holdout-batch", "2", "--no-test"]) == 0
    out = capsys.readouterr().out
    assert "tuned on 3 questions (batches 1), scored batch 2 (2 questions)" in out
    assert eval_kb.main(["--questions", str(questions), "--holdout-batch", "5", "--no-test"]) == 2


def test_the_safety_margin_is_in_logit_units():
    from bench.eval_kb import _raise

    assert _raise(0.0, 1.0) == 0.0
    assert abs(_raise(0.5, 1.0) - 0.7311) < 1e-3
    assert _raise(0.8, 1.0) < 0.95  # in probability units (+0.3) this was 1.1, capped to the top of the grid


def test_the_margin_is_taken_above_several_confident_refused_questions_not_the_single_most_confident():
    from bench.eval_kb import _reference

    assert _reference([], 10) == 0.0
    assert abs(_reference([0.2, 0.9], 1) - 0.9) < 1e-9  # k = 1: the most confident alone
    assert abs(_reference([0.5, 0.8, 0.2], 2) - 0.6667) < 1e-3  # logit mean of 0.8 and 0.5, not their mean
    # One more very confident question moves the reference by a k-th of its excess, not all the way to it.
    before = [0.80, 0.79, 0.78, 0.77, 0.76, 0.75, 0.74, 0.73, 0.72, 0.71]
    after = _reference([*before, 0.95], 10)
    assert _reference(before, 10) < after < 0.80
