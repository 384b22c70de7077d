"""The Rasa tokenizer component gives tokens whose offsets index the original text, for every analyzer."""
import itertools

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.rasa_components import KoreanTokenizer

TEXTS = [
    "데이터센터언제문열어요",
    "광주 AI 데이터센터는 2024년에 열었나요?",
    "GIST AI대학원 50명 모집 🙂🙂",
    "가로등이   고장났어요!!\n빨리 고쳐주세요",
    "ㅇㅇ ㄴㄴ ㅋㅋㅋ",
    "GJ-2026-000123 처리상태",
    "🙂",
    "a\u0000b\u200bc",
    "가" * 2000,  # Okt's slowest case: runs of one syllable are not sent to the analyzer
    "ㅋ" * 1000 + " 광주" + "가나다라마바사" * 40,
    "Привет мир こんにちは 世界 مرحبا",
]


@pytest.mark.parametrize("analyzer", ["mecab", "kiwi", "okt"])
@pytest.mark.parametrize("text", TEXTS, ids=[f"text{i}-{len(t)}chars" for i, t in enumerate(TEXTS)])
def test_token_offsets_index_the_text(analyzer, text):
    tokenizer = KoreanTokenizer({**KoreanTokenizer.get_default_config(), "analyzer": analyzer})
    message = Message.build(text=text)
    tokenizer.process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert tokens, "at least one token"
    for token in tokens:
        assert text[token.start:token.end] == token.text
    starts = [t.start for t in tokens]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in itertools.pairwise(tokens)), "tokens do not overlap"
    covered = "".join(t.text for t in tokens)
    assert covered.replace(" ", "") != "" or not text.strip()


def test_mixed_script_tokens_are_split_sensibly():
    tokenizer = KoreanTokenizer(KoreanTokenizer.get_default_config())
    message = Message.build(text="데이터센터언제문열어요")
    tokenizer.process([message])
    words = [t.text for t in message.get(TOKENS_NAMES[TEXT])]
    assert "데이터" in words and "센터" in words and "언제" in words


def test_empty_text_gives_one_empty_token():
    tokenizer = KoreanTokenizer(KoreanTokenizer.get_default_config())
    message = Message.build(text="")
    tokenizer.process([message])
    assert [t.text for t in message.get(TOKENS_NAMES[TEXT])] == [""]
