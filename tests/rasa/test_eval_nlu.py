"""bench/eval_nlu.py helpers (the evaluation itself runs with `make eval-nlu`)."""
from bench.eval_nlu import recall_counts


def test_eval_recall_counts_the_fallback_menu_apart():
    assert recall_counts("propose", ["propose", "nlu_fallback", "out_of_scope", "propose"]) == (2, 3, 4)
    assert recall_counts("propose", []) == (0, 0, 1)  # no division by zero on an empty group
