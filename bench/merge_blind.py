"""Merge blind writers' files into the one-time test file, the way the lead has done it by hand since the second one.

    .venv-rasa/bin/python -m bench.merge_blind nlu --header H.txt A.yml B.yml   -> nlu/eval/test_blind.yml
    .venv/bin/python -m bench.merge_blind kb --header H.txt A.yml B.yml         -> knowledge/eval/blind_test.yml

nlu: messages equal (bench.eval_nlu._key: up to spacing, punctuation and case) to a training message, a message of
any other nlu/eval/ file or an earlier message of the merge are dropped, so every message scored is unseen.
kb: exact repeats across the writers' files are dropped (the scoring reports overlaps with the development set
itself). Nothing else is changed; the header (a comment saying who wrote it, when and how) goes on top. Prints
counts only.
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_OUT = ROOT / "nlu" / "eval" / "test_blind.yml"
KB_OUT = ROOT / "knowledge" / "eval" / "blind_test.yml"


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
    lines += ["  - " + yaml.safe_dump(q, allow_unicode=True, default_flow_style=True, width=10_000,
                                      sort_keys=False).strip() for q in rows]
    out.write_text("\n".join(lines) + "\n")
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=["nlu", "kb"])
    ap.add_argument("--header", type=Path, required=True, help="text file: who wrote the set, when and how")
    ap.add_argument("files", type=Path, nargs="+")
    args = ap.parse_args()
    try:
        run(args)
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        # A missing or malformed writer's file: say which, in one line, and write nothing further.
        raise SystemExit(f"병합하지 못했어요: 파일을 읽을 수 없거나 형식이 맞지 않아요 ({type(exc).__name__}: {exc})") from None


def run(args: argparse.Namespace) -> None:
    if args.kind == "nlu":
        written, dropped = merge_nlu(args.files, args.header, NLU_OUT)
        kept = written - dropped
        print(f"written {sum(written.values())}, dropped as repeats {sum(dropped.values())}, kept "
              f"{sum(kept.values())}: {dict(sorted(kept.items()))}")
    else:
        print(dict(merge_kb(args.files, args.header, KB_OUT)))


if __name__ == "__main__":
    main()
