"""Merge blind writers' files into the one-time test file, the way the lead has done it by hand since the second one.

    .venv-rasa/bin/python -m bench.merge_blind nlu --header H.txt A.yml B.yml   -> nlu/eval/test_blind.yml
    .venv/bin/python -m bench.merge_blind kb --header H.txt A.yml B.yml         -> knowledge/eval/blind_test.yml
    .venv/bin/python -m bench.merge_blind kb-retire --header N.txt              blind_test.yml -> questions.yml

nlu: messages equal (bench.eval_nlu._key: up to spacing, punctuation and case) to a training message, a message of
any other nlu/eval/ file or an earlier message of the merge are dropped, so every message scored is unseen.
kb: exact repeats across the writers' files are dropped (the scoring reports overlaps with the development set
itself). Nothing else is changed; the header (a comment saying who wrote it, when and how) goes on top. Prints
counts only.
kb-retire: after its one scoring (misses printed), the blind set becomes development data: its questions are
appended to questions.yml under the header (as comments), except those already there (up to spacing, same context)
and copies of an entry's example question (the tests forbid them there); blind_test.yml is then removed.
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_OUT = ROOT / "nlu" / "eval" / "test_blind.yml"
KB_OUT = ROOT / "knowledge" / "eval" / "blind_test.yml"
KB_DEV = ROOT / "knowledge" / "eval" / "questions.yml"
KB_ENTRIES = ROOT / "knowledge" / "entries.yml"


def comment_block(path: Path) -> list[str]:
    return [line if line.startswith("#") else f"# {line}".rstrip() for line in path.read_text().splitlines()]


def merge_nlu(files: list[Path], header: Path, out: Path = NLU_OUT) -> tuple[Counter, Counter]:
    import bench.eval_nlu as ev  # Rasa environment only: it loads the training data with Rasa

    _, train_keys = ev.training_synonyms_and_texts(ev.TRAIN_DATA)
    seen = set(train_keys)
    for f in sorted(out.parent.glob("*.yml")):
        if f != out:
            seen.update(ev._key(e.text) for e in ev.intent_examples(f, "x"))
    kept: dict[str, list[str]] = {}
    written, dropped = Counter(), Counter()
    for f in files:
        for block in yaml.safe_load(f.read_text())["nlu"]:
            for line in block["examples"].splitlines():
                if not line.strip().startswith("- "):
                    continue
                text, intent = line.strip()[2:].strip(), block["intent"]
                written[intent] += 1
                key = ev._key(text)
                if not key or key in seen:
                    dropped[intent] += 1
                    continue
                seen.add(key)
                kept.setdefault(intent, []).append(text)
    lines = comment_block(header) + ['version: "3.1"', "nlu:"]
    for intent, texts in kept.items():
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {t}" for t in texts]
    out.write_text("\n".join(lines) + "\n")
    return written, dropped


def merge_kb(files: list[Path], header: Path, out: Path = KB_OUT) -> Counter:
    seen: set[str] = set()
    rows, counts = [], Counter()
    for f in files:
        for q in yaml.safe_load(f.read_text())["questions"]:
            key = q["q"].strip()
            if key in seen:
                counts["repeat"] += 1
                continue
            seen.add(key)
            rows.append(q)
            counts["answerable" if q.get("expect") else "unanswerable"] += 1
    lines = comment_block(header) + ["version: 1", "questions:"]
    lines += [flow_line(q) for q in rows]
    out.write_text("\n".join(lines) + "\n")
    return counts


def _squash(text: str) -> str:
    return "".join(text.split())


def flow_line(q: dict) -> str:
    return "  - " + yaml.safe_dump(q, allow_unicode=True, default_flow_style=True, width=10_000,
                                   sort_keys=False).strip()


def retire_kb(header: Path, blind: Path = KB_OUT, dev: Path = KB_DEV, entries: Path = KB_ENTRIES) -> Counter:
    """Append the scored blind set to the development questions; remove the blind file. Counts only."""
    rows = yaml.safe_load(blind.read_text(encoding="utf-8"))["questions"]
    dev_text = dev.read_text(encoding="utf-8")
    seen = {(_squash(q["q"]), q.get("context")) for q in yaml.safe_load(dev_text)["questions"]}
    examples = {_squash(x) for e in yaml.safe_load(entries.read_text(encoding="utf-8"))["entries"]
                for x in e.get("questions") or []}
    counts, lines = Counter(), []
    for q in rows:
        key = (_squash(q["q"]), q.get("context"))
        if key in seen:
            counts["repeat"] += 1
        elif key[0] in examples:
            counts["example copy"] += 1
        else:
            seen.add(key)
            lines.append(flow_line(q))
            counts["moved"] += 1
    block = ["  " + line for line in comment_block(header)] + lines
    dev.write_text(dev_text.rstrip("\n") + "\n" + "\n".join(block) + "\n", encoding="utf-8")
    yaml.safe_load(dev.read_text(encoding="utf-8"))  # still one valid file
    blind.unlink()
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=["nlu", "kb", "kb-retire"])
    ap.add_argument("--header", type=Path, required=True, help="text file: who wrote the set, when and how")
    ap.add_argument("files", type=Path, nargs="*")
    args = ap.parse_intermixed_args()  # files may follow --header (a plain parse stops at the first positional run)
    if args.kind != "kb-retire" and not args.files:
        raise SystemExit("병합할 작성자 파일을 하나 이상 적어 주세요 (예: ... --header H.txt A.yml B.yml).")
    try:
        run(args)
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        # A missing or malformed writer's file: say which, in one line, and write nothing further.
        verb = "옮기지" if args.kind == "kb-retire" else "병합하지"
        raise SystemExit(f"{verb} 못했어요: 파일을 읽을 수 없거나 형식이 맞지 않아요 ({type(exc).__name__}: {exc})") from None


def run(args: argparse.Namespace) -> None:
    if args.kind == "nlu":
        written, dropped = merge_nlu(args.files, args.header, NLU_OUT)
        kept = written - dropped
        print(f"written {sum(written.values())}, dropped as repeats {sum(dropped.values())}, kept "
              f"{sum(kept.values())}: {dict(sorted(kept.items()))}")
    elif args.kind == "kb":
        print(dict(merge_kb(args.files, args.header, KB_OUT)))
    else:
        print(dict(retire_kb(args.header)))


if __name__ == "__main__":
    main()
