"""Editing one entry of the knowledge base (knowledge.editing): validated, grounded in the seeds, conflict-safe."""
import shutil
from pathlib import Path

import pytest

from knowledge.base import load_entries, save_entries
from knowledge.editing import (
    EditConflict,
    EditError,
    EntryForm,
    EntryNotFound,
    delete_entry,
    file_version,
    save_entry,
)

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = ROOT / "knowledge" / "entries.yml"


@pytest.fixture
def kb(tmp_path):
    path = tmp_path / "entries.yml"
    shutil.copy(ENTRIES, path)
    return path


@pytest.fixture
def seeds(tmp_path):
    """A seed folder of our own: one article whose sentences the new figures quote (the real seeds stay read-only)."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    for source in load_entries(ENTRIES).sources.values():
        (folder / source.file).write_text("The city opened a new AI library with 120 seats in the park.\n",
                                          encoding="utf-8")
    return folder


def form_of(path, entry_id) -> EntryForm:
    return EntryForm.from_entry(load_entries(path).by_id[entry_id])


def test_an_unchanged_entry_saves_to_the_same_data_and_keeps_the_header_comments(kb, seeds):
    before = load_entries(kb)
    save_entry(kb, form_of(kb, "data_center"), original_id="data_center", expected_version=file_version(kb),
               seeds_dir=seeds)
    after = load_entries(kb)
    assert after.entries == before.entries and after.sources == before.sources
    assert kb.read_text(encoding="utf-8").startswith("# 인공지능 중심도시 광주 지식베이스")


def test_an_edited_alias_and_answer_are_saved(kb, seeds):
    form = form_of(kb, "ai_academy")
    form.aliases += "\n코딩 사관학교"
    form.answer = form.answer.replace("요.", "요.", 1)
    save_entry(kb, form, original_id="ai_academy", expected_version=file_version(kb), seeds_dir=seeds)
    assert "코딩 사관학교" in load_entries(kb).by_id["ai_academy"].aliases


def test_a_new_entry_with_a_grounded_figure_is_added(kb, seeds):
    form = EntryForm(id="ai_library", title="AI 도서관", answer="공원에 AI 도서관이 생겼다고 보도됐어요. 좌석은 120석이에요.",
                     questions="AI 도서관 좌석은 몇 개예요?", sources=["s000"], figure_values=["120석"],
                     figure_quotes=["a new AI library with 120 seats"], figure_sources=["s000"])
    save_entry(kb, form, original_id=None, expected_version=file_version(kb), seeds_dir=seeds)
    data = load_entries(kb)
    assert data.by_id["ai_library"].figures[0].value == "120석"
    assert len(data.entries) == len(load_entries(ENTRIES).entries) + 1


def test_a_figure_not_in_its_article_is_refused_and_nothing_written(kb, seeds):
    text = kb.read_text(encoding="utf-8")
    form = EntryForm(id="ai_library", title="AI 도서관", answer="AI 도서관이 생겼어요. 좌석은 300석이에요.",
                     questions="AI 도서관 좌석은?", sources=["s000"], figure_values=["300석"],
                     figure_quotes=["a new AI library with 300 seats"], figure_sources=["s000"])
    with pytest.raises(EditError) as exc:
        save_entry(kb, form, original_id=None, expected_version=file_version(kb), seeds_dir=seeds)
    assert "원문 기사" in exc.value.errors[0]
    assert kb.read_text(encoding="utf-8") == text


def test_a_number_without_a_figure_a_phone_number_and_a_bad_payload_are_all_reported(kb, seeds):
    form = form_of(kb, "startup_support")
    form.answer += " 문의는 062-123-4567로 하세요. 2031년까지 계속돼요."
    form.button_titles, form.button_payloads = ["재시작"], ["/session_start{\"x\": 1}"]
    with pytest.raises(EditError) as exc:
        save_entry(kb, form, original_id="startup_support", expected_version=file_version(kb), seeds_dir=seeds)
    joined = " ".join(exc.value.errors)
    assert "전화번호" in joined and "2031" in joined and "payload" in joined


def test_an_edit_on_an_old_version_is_a_conflict(kb, seeds):
    old = file_version(kb)
    first = form_of(kb, "phase2")
    first.aliases += "\n두 번째 사업"
    save_entry(kb, first, original_id="phase2", expected_version=old, seeds_dir=seeds)
    second = form_of(kb, "phase2")
    with pytest.raises(EditConflict):
        save_entry(kb, second, original_id="phase2", expected_version=old, seeds_dir=seeds)
    assert "두 번째 사업" in load_entries(kb).by_id["phase2"].aliases


def test_duplicate_reserved_and_unknown_ids(kb, seeds):
    version = file_version(kb)
    taken = form_of(kb, "testbed")
    with pytest.raises(EditError, match="이미 있어요"):
        save_entry(kb, taken, original_id=None, expected_version=version, seeds_dir=seeds)
    taken.id = "new"
    with pytest.raises(EditError, match="쓸 수 없어요"):
        save_entry(kb, taken, original_id="testbed", expected_version=version, seeds_dir=seeds)
    with pytest.raises(EntryNotFound):
        save_entry(kb, form_of(kb, "testbed"), original_id="no_such", expected_version=version, seeds_dir=seeds)


def test_delete_removes_one_entry_and_refuses_the_last(kb, seeds):
    delete_entry(kb, "monday_dialogue", expected_version=file_version(kb))
    assert "monday_dialogue" not in load_entries(kb).by_id
    data = load_entries(kb)
    save_entries(kb, data.entries[:1], data.sources)
    with pytest.raises(EditError, match="마지막"):
        delete_entry(kb, data.entries[0].id, expected_version=file_version(kb))


def test_the_editors_note_is_kept_but_not_part_of_the_answer(kb, seeds):
    form = form_of(kb, "goals_10yr")
    form.note = "달성 여부는 기사에 없음"
    save_entry(kb, form, original_id="goals_10yr", expected_version=file_version(kb), seeds_dir=seeds)
    entry = load_entries(kb).by_id["goals_10yr"]
    assert entry.note == "달성 여부는 기사에 없음" and "기사에 없음" not in entry.answer



def test_two_saves_on_the_same_version_cannot_both_pass(kb, seeds):
    from concurrent.futures import ThreadPoolExecutor

    version = file_version(kb)

    def save(alias):
        form = form_of(kb, "agency")
        form.aliases += f"\n{alias}"
        try:
            save_entry(kb, form, original_id="agency", expected_version=version, seeds_dir=seeds)
            return "saved"
        except EditConflict:
            return "conflict"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(save, ["사업단 A", "사업단 B", "사업단 C", "사업단 D"]))
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "saved"]
