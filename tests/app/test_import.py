"""`civic import FILE`: CSV/TSV/JSONL, UTF-8 (BOM or not) and CP949, bad rows reported by line, exit codes."""
import json

import pytest
from typer.testing import CliRunner

from civic import proposals as P
from civic.cli import app
from civic.cli.importer import ImportFileError, import_file
from civic.db import migrate, open_db

runner = CliRunner()

CSV = (
    "title,content,분야,구\n"
    "가로등 고장,용봉동 후문 가로등이 꺼져 있어요,,북구\n"
    ",,,\n"  # blank row: skipped silently
    "택시 승차거부 신고,,교통,\n"  # a title without content: the title alone is the text
    "\"줄바꿈\",\"버스 정류장 의자가\n부서졌어요\",교통,서구\n"
    "😡😡,😡😡😡,,\n"
    "광고,ㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋ,,\n"
)


@pytest.fixture
def db():
    database = open_db(":memory:")
    migrate(database)
    return database


def test_csv_with_bom_imports_good_rows_and_reports_bad_ones_by_line(db, tmp_path):
    path = tmp_path / "old.csv"
    path.write_bytes("\ufeff".encode() + CSV.encode("utf-8"))
    report = import_file(db, path)
    assert report.encoding == "utf-8"
    assert report.imported == 3
    assert [(r.line, r.reason[:10]) for r in report.refused] == [(7, "이모지나 기호만으로"), (8, "같은 글자나 말이 ")]
    rows = list(db.query("SELECT text, category, district, source, channel FROM proposals ORDER BY id"))
    assert rows[0] == {"text": "가로등 고장\n용봉동 후문 가로등이 꺼져 있어요", "category": "도로/시설",
                       "district": "북구", "source": "import", "channel": "import"}
    assert rows[2]["text"].endswith("버스 정류장 의자가\n부서졌어요") and rows[2]["category"] == "교통"


def test_cp949_file_and_reimport_refuses_duplicates(db, tmp_path):
    path = tmp_path / "euckr.csv"
    path.write_bytes("제안,작성일\n쓰레기 무단투기가 심해요,2025-11-02\n공원에 그늘막이 필요해요,2025.07.15\n"
                     .encode("cp949"))
    first = import_file(db, path)
    assert (first.encoding, first.imported, first.refused) == ("cp949", 2, [])
    assert first.receipts == ["GJ-2025-000001", "GJ-2025-000002"]
    again = import_file(db, path)
    assert again.imported == 0 and {r.reason for r in again.refused} == {"이미 가져온 제안과 내용이 같아요"}


def test_jsonl_with_broken_lines_and_a_line_in_no_known_encoding(db, tmp_path):
    path = tmp_path / "rows.jsonl"
    lines = [json.dumps({"text": "횡단보도 신호가 너무 짧아요"}, ensure_ascii=False).encode(),
             b'{"text": "unterminated',
             b'["not", "an", "object"]',
             json.dumps({"content": ""}).encode(),
             b'{"text": "\xff\xfe broken bytes"}',
             json.dumps({"TEXT": "  학교 앞 불법주차 단속해 주세요  "}, ensure_ascii=False).encode()]
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = import_file(db, path)
    assert report.encoding == "mixed"
    assert report.imported == 2
    assert [r.line for r in report.refused] == [2, 3, 4, 5]
    assert "JSON" in report.refused[0].reason and "인코딩" in report.refused[3].reason


def test_missing_text_column_is_a_file_error(db, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("name,phone\n홍길동,010-1234-5678\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="text, content, title"):
        import_file(db, path)
    assert P.count_proposals(db) == 0


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    from civic.settings import get_settings

    monkeypatch.setenv("DB_PATH", str(tmp_path / "civic.db"))
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_summary_and_exit_codes(cli_env):
    good = cli_env / "good.tsv"
    good.write_text("내용\t장소\n소화전 앞 불법주차 차량이 많아요\t용봉동\n😀\t\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(good), "--no-embed"])
    assert result.exit_code == 0, result.output
    assert "1건 가져옴, 1건 거부" in result.output and "3번째 줄 거부" in result.output

    nothing = cli_env / "bad.jsonl"
    nothing.write_text("{oops\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(nothing)])
    assert result.exit_code == 1 and "0건 가져옴, 1건 거부" in result.output

    result = runner.invoke(app, ["import", str(cli_env / "missing.csv")])
    assert result.exit_code == 2 and "파일이 없어요" in result.output


def test_cli_imports_with_vectors_from_the_configured_embedder(cli_env):
    path = cli_env / "few.csv"
    path.write_text("text\n버스 배차 간격이 너무 길어요\n가로등이 깜빡거려요\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    db = open_db(cli_env / "civic.db")
    versions = {r["embedding_version"] for r in db.query("SELECT embedding_version FROM proposals")}
    assert len(versions) == 1 and None not in versions


def test_cli_lists_subcommands_of_other_modules():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("import", "contacts-purge"):
        assert command in result.output
