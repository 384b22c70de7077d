"""The hostile-input corpus (tests/fixtures/hostile) and the checks applied to what the app sends back."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = ROOT / "tests" / "fixtures" / "hostile"
TEMPLATE_DIRS = [ROOT / "web" / "admin" / "templates", ROOT / "web" / "templates"]


@dataclass(frozen=True)
class Payload:
    id: str  # "<file>-<line>", for test ids and messages
    text: str

    @property
    def has_markup(self) -> bool:
        return "<" in self.text or "javascript:" in self.text.lower()


def _expand(line: str) -> str:
    line = re.sub(r"\\u\{([0-9A-Fa-f]{1,6})\}", lambda m: chr(int(m.group(1), 16)), line)
    repeat = re.fullmatch(r"@repeat (\d+) (.+)", line, flags=re.DOTALL)
    if repeat:
        n, unit = int(repeat.group(1)), repeat.group(2)
        line = (unit * (n // len(unit) + 1))[:n]
    return line


def load(name: str) -> list[Payload]:
    path = CORPUS_DIR / f"{name}.txt"
    out = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("# "):
            continue
        out.append(Payload(f"{name}-{number}", _expand(raw)))
    return out


CATEGORIES = ("xss", "template", "sql", "csv", "unicode", "prompt", "long")


def corpus(*names: str) -> list[Payload]:
    return [p for name in (names or CATEGORIES) for p in load(name)]


# ---------------------------------------------------------------------------------------------- HTML
def _template_tags() -> frozenset[str]:
    tags = set()
    for folder in TEMPLATE_DIRS:
        for template in folder.glob("*.html"):
            tags |= {t.lower() for t in re.findall(r"<([a-zA-Z][a-zA-Z0-9-]*)", template.read_text("utf-8"))}
    return frozenset(tags)


TEMPLATE_TAGS = _template_tags()
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcdoc"}
# Where the templates only ever point at the app itself (a form posting elsewhere would steal what is typed).
LOCAL_ONLY = {"form": ("action",), "button": ("formaction",), "input": ("formaction",), "link": ("href",),
              "script": ("src",)}


class _Audit(HTMLParser):
    """Elements and attributes that only injected markup could have produced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: str | None = None  # the type of the <script> being read

    def handle_starttag(self, tag, attrs):
        attrs = [(name.lower(), value or "") for name, value in attrs]
        if tag not in TEMPLATE_TAGS:
            self.problems.append(f"<{tag}> element that no template writes")
        for name, value in attrs:
            flat = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}= on <{tag}>")
            elif name in URL_ATTRS and flat.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.problems.append(f"{name}={value!r} on <{tag}>")
            elif name == "style" and ("expression(" in flat or "javascript:" in flat or "url(" in flat):
                self.problems.append(f"style={value!r} on <{tag}>")
            elif name == "http-equiv":
                self.problems.append(f"<{tag} http-equiv={value!r}>")
            elif name in LOCAL_ONLY.get(tag, ()) and flat != "data:," \
                    and (flat.startswith("//") or not flat.startswith(("/", "?", "#"))):
                self.problems.append(f"<{tag} {name}={value!r}> points off the site")
        if tag == "script":
            found = dict(attrs)
            kind = found.get("type", "")
            if kind != "application/json" and not found.get("src", "").startswith("/static/") \
                    and found.get("src") != "/widget.js":
                self.problems.append(f"<script> without a local src: {found}")
            self._script = kind or "js"

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script == "js" and data.strip():
            self.problems.append(f"inline script: {data[:80]!r}")
        elif self._script == "application/json" and "<" in data:
            self.problems.append(f"unescaped '<' in a JSON data block: {data[:80]!r}")


def html_problems(html: str, payloads: list[Payload] = ()) -> list[str]:
    """Injected elements/attributes, plus any payload with markup that appears verbatim (unescaped)."""
    audit = _Audit()
    audit.feed(html)
    audit.close()
    problems = list(audit.problems)
    for p in payloads:
        for fragment in _markup_fragments(p.text):
            if f"<{fragment}>" in html:
                problems.append(f"{p.id}: raw {fragment!r} in the page")
    return problems


def _markup_fragments(text: str) -> list[str]:
    # Whole opening tags as they were sent ("<script>", "<img src=x onerror=alert(1)>"), except a bare tag that
    # the templates write themselves ("<table>"), which the page contains anyway.
    return [t for t in re.findall(r"<([a-zA-Z][^<>]*)>", text) if t.lower() not in TEMPLATE_TAGS]


# ---------------------------------------------------------------------------------------------- JSON answers
# A tag opening. Without one, quoted "onerror=" or "javascript:" is only text even in an HTML renderer: there is no
# element to carry the attribute (and the widget makes links of http(s) URLs only).
_EXECUTABLE = re.compile(r"<\s*[a-zA-Z!/?]")


def executable_markup(text: str) -> str | None:
    """The first tag opening in a bot answer: what a browser could run if someone rendered it as HTML."""
    match = _EXECUTABLE.search(text or "")
    return match.group(0) if match else None


# ---------------------------------------------------------------------------------------------- CSV
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_cells(csv_bytes: bytes) -> list[str]:
    """Cells that a spreadsheet would evaluate (OWASP CSV injection): they must start with an apostrophe."""
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"), newline="")))
    return [cell for row in rows[1:] for cell in row if cell.startswith(FORMULA_START)]
