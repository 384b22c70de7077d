"""bench/eval_nlu.py helpers (the evaluation itself runs with `make eval-nlu`)."""
from bench.eval_nlu import recall_counts


def test_eval_recall_counts_the_fallback_menu_apart():
    assert recall_counts("propose", ["propose", "nlu_fallback", "out_of_scope", "propose"]) == (2, 3, 4)
    assert recall_counts("propose", []) == (0, 0, 1)  # no division by zero on an empty group


def test_fresh_heldout_sample_shares_no_text_with_any_other_sample_or_training_file():
    import re
    from pathlib import Path

    import pytest

    from nlu.linear_intents import read_pool

    root = Path(__file__).resolve().parents[2]
    fresh_file = root / "nlu" / "eval" / "real_fresh.yml"
    if not fresh_file.exists():
        pytest.skip("no fresh sample (python -m bench.sample_nlu_data)")

    def key(text: str) -> str:
        plain = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # entity markup of the hand-written files
        return re.sub(r"[\s.,!?~]+", "", plain).lower()

    fresh = [key(t) for t, _ in read_pool(fresh_file)]
    assert len(fresh) == len(set(fresh)) == 600
    others = [root / "nlu" / "eval" / name for name in ("real_heldout.yml", "dev_real.yml", "test.yml")]
    others += [root / "nlu" / "pool" / "real_pool.yml", *sorted((root / "nlu" / "data").glob("*.yml"))]
    for other in others:
        lines = [ln.strip()[2:] for ln in other.read_text(encoding="utf-8").splitlines() if ln.strip().startswith("- ")]
        assert not set(fresh) & {key(t) for t in lines}, other.name


def test_json_options_give_a_usage_error_not_a_traceback():
    import argparse

    import pytest

    from bench.eval_nlu import _json_object

    assert _json_object('{"propose": 0.5}') == {"propose": 0.5}
    for bad in ("{bad", "[0.5]", "0.5"):
        with pytest.raises(argparse.ArgumentTypeError):
            _json_object(bad)



def test_a_bad_number_of_subject_folds_gives_a_usage_error():
    import argparse

    import pytest

    from bench.eval_nlu import _folds

    assert _folds("5") == 5
    for bad in ("x", "1", "-3"):
        with pytest.raises(argparse.ArgumentTypeError):
            _folds(bad)


def test_subject_folds_hold_each_subject_back_from_training_once():
    from bench.eval_nlu import subject_groups, without_subjects

    titles = ["육교 엘리베이터 고장", "비둘기 떼 대책", "불법 주차 단속 요청", "불법주차 너무 많아요", "가로등 꺼짐",
              "싱크홀 위험", "버스 배차 간격"]
    first, groups = subject_groups(titles, 3, seed=1)
    assert first["불법 주차 단속 요청"] == first["불법주차 너무 많아요"] == "불법주차"  # spacing does not split a subject
    names = [n for g in groups for n in g]
    assert sorted(names) == sorted(set(first.values())) and len(names) == len(set(names))  # each subject in one fold
    train = [("육교 계단 부서짐", "propose"), ("오늘 육교 건너서 출근했어", "out_of_scope"), ("점심 뭐 먹지", "out_of_scope")]
    for group in groups:
        kept = without_subjects(train, group)
        assert ("점심 뭐 먹지", "out_of_scope") in kept
        # a held-back subject is gone from every intent, so the model never saw the word at all
        assert all("육교" not in t for t, _ in kept) if "육교" in group else len(kept) == 3
