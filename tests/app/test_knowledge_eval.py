"""The evaluation's dev/test split: reproducible, and questions added later never move existing ones."""
from dataclasses import replace

from bench.eval_kb import Question, load_questions, split


def test_pinned_questions_stay_in_their_half():
    questions = load_questions()
    dev, test = split(questions)
    assert {q.q for q in dev}.isdisjoint(q.q for q in test)
    assert len(dev) + len(test) == len(questions)
    assert all(q.pinned != "test" for q in dev) and all(q.pinned != "dev" for q in test)
    assert any(q.pinned == "test" for q in test) and any(q.pinned == "dev" for q in dev)


def test_adding_pinned_questions_does_not_reshuffle_the_others():
    questions = load_questions()
    dev, test = split(questions)
    extra = [Question("새로 추가한 질문이에요", ("overview",), "paraphrase", None, "test", 9),
             Question("또 다른 질문이에요", (), "unanswerable", None, "dev", 9)]
    dev2, test2 = split(questions + extra)
    assert [q.q for q in dev2 if q.batch != 9] == [q.q for q in dev]
    assert [q.q for q in test2 if q.batch != 9] == [q.q for q in test]


def test_unpinned_questions_are_split_half_and_half_by_answerability():
    free = [q for q in load_questions() if q.pinned is None]
    dev, test = split(free)
    for answerable in (True, False):
        d = sum(q.answerable == answerable for q in dev)
        t = sum(q.answerable == answerable for q in test)
        assert abs(d - t) <= 1
    assert split(free) == (dev, test)  # fixed seed
    assert replace(free[0], pinned="test") in split([replace(free[0], pinned="test")])[1]
