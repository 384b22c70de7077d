"""The question bank: a classifier learnt from labelled questions, used as two confidence features (qb, qnull)."""
from pathlib import Path

import pytest

from bench import eval_kb
from bench.eval_kb import Question, cross_fitted_banks
from knowledge.qbank import NULL, QuestionBank, load_labelled
from knowledge.search import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = ROOT / "knowledge" / "entries.yml"


def _words(text: str) -> list[str]:
    return text.split()


def test_the_bank_learns_which_entry_and_which_questions_have_no_answer():
    texts = ["데이터센터 언제 열어", "데이터센터 규모", "데이터센터 위치",
             "사관학교 몇 명", "사관학교 교육", "사관학교 수료",
             "부산 날씨", "오늘 날씨", "점심 메뉴"]
    labels = ["dc"] * 3 + ["academy"] * 3 + [NULL] * 3
    bank = QuestionBank(_words, ["academy", "dc", "other"], texts, labels)
    probs, null = bank.scores("데이터센터 언제")
    assert probs.argmax() == 1 and probs[1] > probs[0]
    assert probs[2] == 0.0  # an entry without labelled questions gets nothing
    assert bank.scores("내일 날씨")[1] > bank.scores("사관학교 수료")[1]
    assert abs(probs.sum() + null - 1.0) < 1e-9


def test_a_bank_with_one_class_is_not_fitted_and_scores_nothing():
    bank = QuestionBank(_words, ["dc"], ["데이터센터 규모", "데이터센터 위치"], ["dc", "dc"])
    assert not bank.fitted
    probs, null = bank.scores("데이터센터")
    assert not probs.any() and null == 0.0


def test_labelled_questions_naming_unknown_entries_are_skipped(tmp_path):
    path = tmp_path / "q.yml"
    path.write_text("questions:\n"
                    "  - {q: 데이터센터 규모, expect: data_center, kind: paraphrase}\n"
                    "  - {q: 없는 항목, expect: [data_center, nope], kind: paraphrase}\n"
                    "  - {q: 부산 예산, expect: null, kind: unanswerable}\n"
                    "  - {q: '거기 예산은?', expect: data_center, kind: followup, context: data_center}\n",
                    encoding="utf-8")
    rows = load_labelled(path, {"data_center"})
    assert rows == [("데이터센터 규모", None, "data_center"), ("부산 예산", None, NULL),
                    ("거기 예산은?", "data_center", "data_center")]
    assert load_labelled(tmp_path / "missing.yml", {"data_center"}) == []


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase(ENTRIES)


def test_the_runtime_bank_gives_the_confidence_its_features(kb):
    top = kb.search("국가 AI 데이터센터는 언제 개소해요?").candidates[0]
    assert top.entry.id == "data_center" and top.features["qb"] > 0.5 and top.features["qnull"] < 0.5
    off = KnowledgeBase(ENTRIES, questions_path=None).search("국가 AI 데이터센터는 언제 개소해요?")
    assert "qb" not in off.candidates[0].features  # no bank: the features are absent (0 for the confidence)


def test_tuning_questions_are_scored_by_banks_that_never_saw_their_batch(kb, monkeypatch):
    fitted_on = []

    def fake_fit(_kb, questions):
        fitted_on.append(frozenset(questions))
        return fitted_on[-1]

    monkeypatch.setattr(eval_kb, "fit_bank", fake_fit)
    train = [Question(f"질문 {i}", ("data_center",) if i % 3 else (), "paraphrase", None, 1 + i % 4)
             for i in range(24)]
    bank_for = cross_fitted_banks(kb, train)
    assert len(fitted_on) == 4
    for q in train:
        seen = bank_for(q)
        assert q not in seen and all(other.batch != q.batch for other in seen)
    one_writer = [Question(f"물음 {i}", ("data_center",), "paraphrase") for i in range(20)]
    bank_for = cross_fitted_banks(kb, one_writer)
    assert all(q not in bank_for(q) for q in one_writer)



def test_only_entries_with_labelled_questions_are_classes(kb):
    from knowledge.search import build_bank

    index = kb._current()
    bank = build_bank(index, [("데이터센터 언제 열어요", "data_center"), ("부산 날씨 어때요", NULL)])
    assert sorted(bank.model_classes) == [NULL, "data_center"]  # the size follows the labels, not the entries
    probs, _ = bank.scores("사관학교 몇 명 뽑아요")
    assert probs[index.position["ai_academy"]] == 0.0


def test_the_bank_also_reads_english_words_as_the_entries_words(kb):
    index = kb._current()
    mixed = index.bank_tokens("사업단 developer hiring 계획 알려줘요")
    assert {"w:개발자", "w:채용", "w:developer"} <= set(mixed)  # both views
    korean = "ai 사관학교 수업 시간표"  # no English word: exactly the features of the citizen's own words
    assert index.bank_tokens(korean) == index._view_tokens(index.normalize(korean))
