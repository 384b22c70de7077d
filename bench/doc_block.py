"""Generated blocks inside hand-written docs: a command rewrites only the text between its two markers."""
from __future__ import annotations

from pathlib import Path


def write_block(path: Path, name: str, lines: list[str], heading: str, title: str) -> None:
    """Replace the `<!-- name:start -->`…`<!-- name:end -->` block of `path`, or append it under `heading`.

    `title` starts the page when the file does not exist yet."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = "\n".join([start, *lines, end])
    text = path.read_text(encoding="utf-8") if path.exists() else f"# {title}\n"
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + f"\n\n## {heading}\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
