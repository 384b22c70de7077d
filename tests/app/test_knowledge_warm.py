"""`make kb-index` (knowledge/warm.py): builds the index, or says in Korean which file is broken, never a traceback."""
import yaml

from civic.settings import PROJECT_ROOT
from knowledge import warm
from knowledge.search import KnowledgeBase

ENTRIES = PROJECT_ROOT / "knowledge" / "entries.yml"


def test_the_index_is_built_and_reported(tmp_path, monkeypatch, capsys):
    questions = tmp_path / "questions.yml"
    questions.write_text(yaml.safe_dump({"questions": [
        {"q": "데이터센터 언제 열어요", "expect": "data_center"},
        {"q": "내일 광주 날씨 어때요", "expect": None},
    ]}, allow_unicode=True), encoding="utf-8")
    kb = KnowledgeBase(ENTRIES, questions_path=questions, bank_cache_dir=tmp_path / "cache")
    monkeypatch.setattr(warm, "get_knowledge_base", lambda: kb)
    assert warm.main() == 0
    assert "knowledge index ready" in capsys.readouterr().out
    assert kb.question_bank is not None and list((tmp_path / "cache").glob("bank-*.npz"))


def test_a_broken_knowledge_file_is_named_in_korean_without_a_traceback(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "entries.yml"
    broken.write_text("version: 1\nentries: [\n", encoding="utf-8")
    monkeypatch.setattr(warm, "get_knowledge_base", lambda: KnowledgeBase(broken, bank_cache_dir=None))
    assert warm.main() == 1
    err = capsys.readouterr().err
    assert "지식베이스를 읽지 못했어요" in err and "YAML 문법 오류" in err and "Traceback" not in err
