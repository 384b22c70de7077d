"""`civic cluster`: file mode (CSV/JSONL in, JSONL/CSV out, no database) and bad input; database mode."""
import csv
import json

import pytest
from typer.testing import CliRunner

from civic.cli import app
from civic.settings import get_settings
from tests.app.clustering_support import GROUPS, labelled_texts, make_db, store

runner = CliRunner()


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("DB_PATH", str(settings.db_path))
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def invoke(*args):
    return runner.invoke(app, ["cluster", *map(str, args)])


def write_csv(path, texts, with_id=True):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title"] if with_id else ["title", "district"])
        for i, t in enumerate(texts):
            w.writerow([f"P{i}", t] if with_id else [t, "북구"])


def test_csv_in_jsonl_out_without_touching_the_database(env, tmp_path):
    texts, groups = labelled_texts()
    write_csv(tmp_path / "in.csv", texts)
    result = invoke("--input", tmp_path / "in.csv", "--output", tmp_path / "out.jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [f"P{i}" for i in range(len(texts))]
    assert {r["cluster"] for r in rows} == {-1, 0, 1, 2, 3, 4}
    light = {r["cluster"] for r, g in zip(rows, groups) if g == "streetlight"}
    assert len(light) == 1 and "가로등" in next(r["label"] for r, g in zip(rows, groups) if g == "streetlight")
    assert not env.db_path.exists() and not (env.var_dir / "embedder").exists()


def test_jsonl_in_csv_out_ids_are_line_numbers(env, tmp_path):
    texts, _ = labelled_texts()
    lines = [json.dumps({"content": t}, ensure_ascii=False) for t in texts]
    lines.insert(3, "")  # a blank line keeps the numbering of the file
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("--input", tmp_path / "in.jsonl", "--output", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Korean labels
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["id"] for r in rows[:5]] == ["1", "2", "3", "5", "6"]
    assert len(rows) == len(texts)


def test_cp949_csv_without_id_column(env, tmp_path):
    path = tmp_path / "in.csv"
    write_csv(path, GROUPS["bus"] + GROUPS["noise"], with_id=False)
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp949"))
    result = invoke("--input", path, "--output", tmp_path / "out.jsonl", "--text-column", "title")
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[0]["id"] == 2 and len({r["cluster"] for r in rows}) == 2


@pytest.mark.parametrize("content, message", [
    (b'{"text": "\xea\xb0\x80\xeb\xa1\x9c\xeb\x93\xb1"}\n{broken\n', "2번째 줄"),
    (b"", "비어 있어요"),
    (b"\xff\xfe\xff\xff", "인코딩"),
    (b"name,phone\nkim,010\n", "내용 열을 찾을 수 없어요"),
    (b'["a", "b"]\n', "객체"),
    (b"text\n\n\n", "행이 없어요"),
])
def test_bad_files_get_a_korean_message_and_nonzero_exit(env, tmp_path, content, message):
    suffix = ".jsonl" if content.startswith((b"{", b"[")) else ".csv"
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    result = invoke("--input", path, "--output", tmp_path / "out.jsonl")
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.jsonl").exists()


def test_usage_errors(env, tmp_path):
    assert invoke("--input", tmp_path / "x.csv").exit_code == 2
    assert "찾을 수 없어요" in invoke("--input", tmp_path / "x.csv", "--output", tmp_path / "o.jsonl").output
    write_csv(tmp_path / "in.csv", GROUPS["bus"])
    same = invoke("--input", tmp_path / "in.csv", "--output", tmp_path / "in.csv")
    assert same.exit_code == 1 and "같아요" in same.output
    assert invoke("--input", tmp_path / "in.csv", "--output", tmp_path / "no" / "o.jsonl").exit_code == 1
    assert invoke("--threshold", "5").exit_code == 2


def test_database_mode_reclusters_with_progress(env):
    db = make_db(env.db_path)
    store(db, [t for g in GROUPS.values() for t in g])
    result = invoke()
    assert result.exit_code == 0, result.output
    assert "비슷한 제안끼리 묶고 있어요" in result.output and "주제 5개" in result.output
    assert db.execute("SELECT count(*) FROM topics").fetchone()[0] == 5
