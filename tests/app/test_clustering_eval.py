"""The evaluation and benchmark commands: explicit skip without the data, honest scoring of unclustered points."""
import numpy as np

from bench import bench_cluster, eval_cluster


def test_commands_skip_explicitly_without_the_data(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(eval_cluster, "DATA", tmp_path / "absent.jsonl")
    monkeypatch.setattr(bench_cluster, "DATA", tmp_path / "absent.csv")
    assert eval_cluster.main([]) == 0
    assert bench_cluster.main([]) == 0
    out = capsys.readouterr().out
    assert out.count("SKIPPED") == 2 and "absent" in out
    assert bench_cluster.markdown()[0].startswith("Not measured")


def test_unclustered_points_count_against_nmi_on_all_points():
    y = np.array([0, 0, 0, 1, 1, 1])
    perfect = eval_cluster.score(y, np.array([0, 0, 0, 1, 1, 1]))
    half = eval_cluster.score(y, np.array([0, -1, -1, 1, -1, -1]))
    assert perfect[0] == perfect[1] == 1.0
    assert half[1] == 1.0 and half[0] < 0.6  # perfect on the clustered points, much lower counting all
    assert abs(half[3] - 4 / 6) < 1e-9 and half[4] == 2


def test_table_states_which_figure_meets_the_target():
    rows = [eval_cluster.Row(100, "morpheme TF-IDF", "k-means, k=17 (true number) = baseline", 0.1, 0.1, 0.0, 0.0,
                             17, 1.0, 1.0),
            eval_cluster.Row(100, "offline", "agglomerative (default, threshold 0.8)", 0.12, 0.2, 0.0, 0.3, 40,
                             1.0, 1.0)]
    text = "\n".join(eval_cluster.markdown(rows, {"n": 100, "categories": 17, "text": "title"}))
    assert "1.20 x counting every point" in text and "2.00 x over clustered points only" in text
    assert "does NOT meet" in text
