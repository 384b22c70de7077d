"""nlu/korean.py in the application environment: offsets index the original text for every backend."""
import itertools

import pytest

from nlu.korean import content_lemmas, tokens

TEXTS = [" 국가 AI", "  가로등  고장났어요", "\t데이터센터언제문열어요", "GJ-2026-000123 처리 상태", "🙂🙂 안녕", ""]


@pytest.mark.parametrize("analyzer", ["mecab", "kiwi", "okt"])
@pytest.mark.parametrize("text", TEXTS)
def test_surfaces_are_slices_of_the_text(analyzer, text):
    toks = tokens(text, analyzer)
    assert all(text[t.start:t.end] == t.surface for t in toks)
    assert all(a.end <= b.start for a, b in itertools.pairwise(toks))
    assert "".join(t.surface for t in toks) == "".join(text.split())


def test_leading_whitespace_does_not_shift_mecab_offsets():
    assert content_lemmas(" 국가 AI", "mecab") == ["국가", "ai"]
