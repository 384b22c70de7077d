"""Checks on the free text of a proposal, and small parsers of the citizen's answers inside the form.

Each rejection has a stable code; the Rasa domain has one named response per code (utter_invalid_problem_<code>)
and the CLI import reports `MESSAGES[code]`.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass

MAX_CHARS = 5000
MIN_CHARS = 4  # "가로등 고장" is a fine proposal; "네" is not

MESSAGES = {
    "empty": "제안 내용이 비어 있어요. 불편한 점이나 개선 아이디어를 적어 주세요.",
    "too_short": "내용이 너무 짧아요. 어떤 불편인지 조금 더 자세히 적어 주세요.",
    "too_long": "제안은 {max_chars:,}자까지 받을 수 있어요. 핵심만 줄여서 다시 보내 주세요.",
    "emoji": "이모지나 기호만으로는 접수할 수 없어요. 불편한 점을 글로 적어 주세요.",
    "spam": "같은 글자나 말이 반복되어 접수할 수 없어요. 불편한 점을 문장으로 적어 주세요.",
}

_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_URL_FULL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_JAMO = re.compile(r"[\u3131-\u318e]")


@dataclass(frozen=True)
class TextCheck:
    ok: bool
    code: str | None = None
    text: str = ""  # the cleaned text to store when ok

    @property
    def message(self) -> str:
        return MESSAGES.get(self.code or "", "").format(max_chars=MAX_CHARS)


def clean_text(text: str | None) -> str:
    """NFC, no control or zero-width characters, no leading/trailing blanks; inner line breaks are kept."""
    text = unicodedata.normalize("NFC", text or "")
    # Bidi embeddings/overrides/isolates too: they can make the stored text display as something else.
    text = re.sub(r"[\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]", "", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return text.strip()


def check_text(text: str | None, max_chars: int = MAX_CHARS) -> TextCheck:
    cleaned = clean_text(text)
    if not cleaned:
        return TextCheck(False, "empty")
    if len(cleaned) > max_chars:
        return TextCheck(False, "too_long")
    meaningful = [ch for ch in cleaned if _is_letter_or_digit(ch)]
    if not meaningful:
        return TextCheck(False, "spam" if _JAMO.search(cleaned) else "emoji")
    if is_spam(cleaned):
        return TextCheck(False, "spam")
    if len(meaningful) < MIN_CHARS:
        return TextCheck(False, "too_short")
    return TextCheck(True, None, cleaned)


def _is_letter_or_digit(ch: str) -> bool:
    cat = unicodedata.category(ch)
    # Hangul compatibility jamo (ㅋㅋ, ㅠㅠ) are letters to Unicode but carry no content here.
    return (cat.startswith("L") or cat == "Nd") and not _JAMO.match(ch)


def is_spam(text: str) -> bool:
    """Repetition and filler that no person writes as a proposal: ㅋㅋㅋ…, one word over and over, ad links."""
    compact = re.sub(r"\s+", "", text)
    if not compact:
        return False
    jamo = len(_JAMO.findall(compact))
    if jamo >= 5 and jamo / len(compact) > 0.5:
        return True
    # Few distinct characters: only meaningful on short texts (long prose reuses syllables a lot).
    if 12 <= len(compact) <= 300 and len(set(compact)) / len(compact) < 0.12:
        return True
    words = re.findall(r"\w+", text)
    if len(words) >= 6:
        top = Counter(words).most_common(1)[0][1]
        if top / len(words) > 0.6:
            return True
    raw = text.encode("utf-8")
    if len(raw) >= 300 and len(zlib.compress(raw, 9)) / len(raw) < 0.1:
        return True
    # Links are fine (citizens cite news articles); a message that is little more than links is an ad.
    if len(_URL.findall(text)) >= 3:
        rest = _URL_FULL.sub("", text)
        return sum(1 for ch in rest if _is_letter_or_digit(ch)) < 20
    return False


# ---------------------------------------------------------------------------- is the first message the problem?
# Words that only announce a proposal ("제안하고 싶어요", "불편 신고할게요") rather than describe the problem.
_ANNOUNCE = {
    "제안", "건의", "신고", "불편", "민원", "접수", "개선", "아이디어", "의견", "생활", "문제", "사항", "내용", "말씀",
    "하", "싶", "있", "되", "드리", "주", "좀", "것", "거", "게", "수", "저", "제", "우리", "요", "싶어요", "할게요",
    "시민", "광주", "광주시", "하나", "가지", "부탁", "관련", "그", "이", "어떻게", "해야", "방법", "알려", "싶습니다",
}


def is_substantial(text: str | None) -> bool:
    """True when a message already describes a problem (use it as the proposal), not just announces one."""
    check = check_text(text)
    if not check.ok or len(re.sub(r"\s+", "", check.text)) < 8:
        return False
    from nlu.korean import content_lemmas

    content = [w for w in content_lemmas(check.text) if w not in _ANNOUNCE and len(w) > 0]
    return len(content) >= 2


# ---------------------------------------------------------------------------- answers inside the form
_CANCEL = re.compile(
    r"^(?:/?cancel|stop|(?:제안|접수|신청|이거|그냥)?(?:취소|그만|중단|중지)"
    r"(?:할게요|할께요|할래요|하기|해요|해|해줘|해주세요|합니다|하겠습니다|하자|둘게요|둘래요|할래)?|"
    r"안할래요|안할게요|안할래|나중에할게요|됐어요|괜찮아요그만할게요)$",
    re.IGNORECASE,
)


def is_cancel(text: str | None) -> bool:
    """"취소", "그만", "제안 취소할게요", "안 할래요" … as the whole message (a sentence mentioning 취소 is not)."""
    return bool(_CANCEL.match(re.sub(r"[\s.!~?]+", "", text or "")))


_UNKNOWN = re.compile(r"잘?\s*모르겠|몰라요|모름|모르겠어|기억\s*(이\s*)?안|글쎄|알\s*수\s*없|^\s*몰라\s*$")


def is_unknown(text: str | None) -> bool:
    return bool(_UNKNOWN.search(text or ""))


_YES = re.compile(r"^\s*(?:/affirm|네|예|응|어|그래|좋아|좋아요|맞아|맞아요|맞습니다|동의|동의해요|동의합니다|"
                  r"동의할게요|ok|okay|yes|넵|넹|옙)(?:\s|[.!~]|요|해요|합니다)*\s*$", re.IGNORECASE)
_NO = re.compile(r"^\s*/deny\s*$|동의\s*(?:하지\s*않|안\s*해|안\s*할|못|거부)|^\s*(?:아니|아뇨|아니요|싫|괜찮|no\b|"
                 r"안\s*할|필요\s*없|됐)", re.IGNORECASE)


def yes_no(text: str | None, intent: str | None = None) -> bool | None:
    """The citizen's yes/no from the NLU intent when it is affirm/deny, else from the words; None if unclear."""
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    if _NO.search(text or ""):
        return False
    if _YES.search(text or ""):
        return True
    return None


_CORRECTION_FIELDS = (
    ("location", re.compile(r"장소|위치|주소|어디|동네|지역")),
    ("category", re.compile(r"분야|카테고리|종류|유형")),
    ("contact", re.compile(r"연락처|전화|번호|이메일|메일")),
    ("problem", re.compile(r"내용|제안|문제|글|본문")),
)
_CORRECTION_VERB = re.compile(r"수정|바꾸|바꿀|바꿔|변경|고치|고칠|고쳐|다시")


def correction_target(text: str | None) -> str | None:
    """"장소 수정", "위치를 바꿀래요", "내용 다시 쓸게요" -> the field to ask again, else None."""
    text = text or ""
    if len(text) > 30 or not _CORRECTION_VERB.search(text):
        return None
    for field, pattern in _CORRECTION_FIELDS:
        if pattern.search(text):
            return field
    return None
