"""Personal data masking for proposal text before administrators see it or embeddings/clustering use it.

Detected: Korean phone numbers, 주민등록번호 (and 외국인등록번호), e-mail addresses, card numbers (Luhn-checked),
bank account numbers, vehicle plates. Every detector yields spans; overlaps are resolved by priority (the more
specific kind wins), then the spans are replaced by a bracketed Korean label so the sentence stays readable
("[전화번호]로 연락 주세요"). The original text is kept separately (see docs/privacy.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

LABELS = {
    "rrn": "[주민등록번호]",
    "card": "[카드번호]",
    "email": "[이메일]",
    "phone": "[전화번호]",
    "account": "[계좌번호]",
    "plate": "[차량번호]",
}
# Lower number wins when two detectors claim overlapping text.
_PRIORITY = {"rrn": 0, "card": 1, "email": 2, "phone": 3, "account": 4, "plate": 5}

_SEP = r"[ \-.]?"
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_RRN = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})\s?[-–]?\s?([1-8])(\d{6}|[*＊xX]{6})(?!\d)")
# Mobile: 010/011/016-019; also +82 / 82 with the leading 0 dropped.
_MOBILE = re.compile(
    rf"(?<![\d+])(?:(?:\+|00)?82{_SEP}\(?0?\)?{_SEP}1[016789]|01[016789])\)?{_SEP}\d{{3,4}}{_SEP}\d{{4}}(?!\d)"
)
# Landlines: Seoul 02, regional 031-064, internet phones 070, personal 050x. Area code may be in parentheses.
_LANDLINE = re.compile(
    rf"(?<![\d+])(?:(?:\+|00)?82{_SEP}\(?0?\)?{_SEP}(?:2|[3-6][1-5]|70)|\(?0(?:2|[3-6][1-5]|70|50\d)\)?)"
    rf"{_SEP}\d{{3,4}}{_SEP}\d{{4}}(?!\d)"
)
_CARD = re.compile(r"(?<!\d)(?:\d{4}[ \-]?){3}\d{1,4}(?!\d)|(?<!\d)\d{4}[ \-]?\d{6}[ \-]?\d{5}(?!\d)")
# Account numbers: 2-4 hyphenated digit groups with 10-14 digits in all, or 10-14 contiguous digits near a bank word.
_ACCOUNT_GROUPED = re.compile(r"(?<![\d\-])\d{2,6}(?:-\d{2,7}){1,3}(?![\d\-])")
_DIGIT_RUN = re.compile(r"(?<!\d)\d{10,14}(?!\d)")
_BANK_WORDS = re.compile(
    r"계좌|통장|은행|입금|송금|이체|예금주|국민|신한|우리|하나|농협|기업|카카오뱅크|케이뱅크|토스|새마을|우체국|수협|"
    r"광주은행|신협|부산|대구|SC|씨티"
)
# Plate letters used on Korean vehicles (private, commercial, rental, diplomatic excluded).
_PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주바사아자배하허호"
_REGIONS = "서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주"
_PLATE = re.compile(rf"(?<![\d가-힣])(?:(?:{_REGIONS})\s?)?\d{{2,3}}\s?[{_PLATE_LETTERS}]\s?\d{{4}}(?!\d)")


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class MaskResult:
    text: str
    findings: tuple[Finding, ...]

    @property
    def kinds(self) -> list[str]:
        return sorted({f.kind for f in self.findings})


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _valid_birth(yy: str, mm: str, dd: str) -> bool:
    return 1 <= int(mm) <= 12 and 1 <= int(dd) <= 31


def find_pii(text: str) -> list[Finding]:
    """All non-overlapping personal-data spans in `text`, in order."""
    text = text or ""
    found: list[Finding] = []
    for m in _RRN.finditer(text):
        if _valid_birth(m.group(1), m.group(2), m.group(3)):
            found.append(Finding("rrn", m.start(), m.end()))
    for m in _CARD.finditer(text):
        d = _digits(m.group())
        if len(d) in (15, 16) and luhn_ok(d):
            found.append(Finding("card", m.start(), m.end()))
    found += [Finding("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    found += [Finding("phone", m.start(), m.end()) for m in _MOBILE.finditer(text)]
    found += [Finding("phone", m.start(), m.end()) for m in _LANDLINE.finditer(text)]
    for m in _ACCOUNT_GROUPED.finditer(text):
        if 10 <= len(_digits(m.group())) <= 14:
            found.append(Finding("account", m.start(), m.end()))
    for m in _DIGIT_RUN.finditer(text):
        window = text[max(0, m.start() - 20): m.end() + 10]
        if _BANK_WORDS.search(window):
            found.append(Finding("account", m.start(), m.end()))
    found += [Finding("plate", m.start(), m.end()) for m in _PLATE.finditer(text)]
    return _resolve(found)


def _resolve(found: list[Finding]) -> list[Finding]:
    # Most specific kind first, then the longest span; a span overlapping an accepted one is dropped.
    accepted: list[Finding] = []
    for f in sorted(found, key=lambda f: (_PRIORITY[f.kind], -(f.end - f.start), f.start)):
        if all(f.end <= a.start or f.start >= a.end for a in accepted):
            accepted.append(f)
    return sorted(accepted, key=lambda f: f.start)


def mask(text: str) -> MaskResult:
    text = text or ""
    findings = find_pii(text)
    out, pos = [], 0
    for f in findings:
        out.append(text[pos:f.start])
        out.append(LABELS[f.kind])
        pos = f.end
    out.append(text[pos:])
    return MaskResult("".join(out), tuple(findings))


def mask_text(text: str) -> str:
    return mask(text).text


# ---------------------------------------------------------------------------- contacts given in the form
@dataclass(frozen=True)
class Contact:
    kind: str  # "phone" | "email"
    value: str  # normalised: 010-1234-5678 / lower-cased e-mail


def parse_contact(text: str) -> Contact | None:
    """A phone number or e-mail address typed by a citizen as the whole answer, normalised; else None."""
    text = (text or "").strip()
    email = _EMAIL.search(text)
    if email:
        return Contact("email", email.group().lower())
    for pattern in (_MOBILE, _LANDLINE):
        m = pattern.search(text)
        if m:
            return Contact("phone", _format_phone(_digits(m.group())))
    return None


def _format_phone(d: str) -> str:
    if d.startswith("0082"):
        d = d[2:]
    if d.startswith("82"):
        d = "0" + d[2:].lstrip("0")
    if d.startswith("02"):
        return f"02-{d[2:-4]}-{d[-4:]}"
    if d.startswith("050") and len(d) == 12:
        return f"{d[:4]}-{d[4:-4]}-{d[-4:]}"
    return f"{d[:3]}-{d[3:-4]}-{d[-4:]}"


def mask_contact(contact: Contact) -> str:
    """For summaries shown back in the chat: 010-****-5678, ho****@example.com."""
    if contact.kind == "email":
        local, _, domain = contact.value.partition("@")
        return f"{local[:2]}{'*' * max(1, len(local) - 2)}@{domain}"
    parts = contact.value.split("-")
    if len(parts) == 3:
        return f"{parts[0]}-{'*' * len(parts[1])}-{parts[2]}"
    return "*" * (len(contact.value) - 4) + contact.value[-4:]
