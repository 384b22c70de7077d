"""Similar-proposal lookup: speed at 100,000 stored proposals, and the similarity threshold tuned on real text.

    PYTHONPATH=. .venv/bin/python -m bench.bench_similar              # both parts, writes docs/benchmarks-similar.md
    PYTHONPATH=. .venv/bin/python -m bench.bench_similar --speed-only --rows 100000

Speed: a temporary SQLite database with N proposals carrying random unit vectors of the offline embedder's
dimension (256); measured are the cold load of the in-memory index, one lookup (matrix-vector product + top-k),
and the full `similar_to_vector` call the form makes (freshness check + reading the matched rows).

Threshold: the built-in offline embedder is fitted on public petitions (../shared/data/petitions/
bluehouse_2020.jsonl, fixed seed). The first 150 characters of each petition are the "new proposal" (a chat-sized
description); the index holds the following 450 characters of every petition. The same petition's continuation is
the right match (the same problem in other words); a petition of another category is a wrong one (petitions of the
same category are left out of the competition, since some are genuine duplicates). For each threshold we report how often a proposal
gets an offer, how often the best offer is the right one (precision), and how often the right one is offered
(recall). The chosen threshold is the lowest that keeps precision >= PRECISION_TARGET.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "petitions" / "bluehouse_2020.jsonl"
DOC = ROOT / "docs" / "benchmarks-similar.md"
SEED = 7
QUERY_CHARS = 150  # about the length of a proposal typed in a chat
# A wrong offer costs the citizen one tap ("새로 제안하기"); a missed one costs officials a duplicate. 80 % keeps
# four of five offers right while still offering for about one proposal in ten on this hard proxy.
PRECISION_TARGET = 0.80
TARGET_MS = 20.0


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    a = np.array(samples) * 1000
    return float(np.percentile(a, 50)), float(np.percentile(a, 95)), float(a.max())


def speed(rows: int, dim: int = 256, queries: int = 200) -> dict:
    from civic.db import migrate, open_db
    from civic.similar import SimilarIndex, index_for, similar_to_vector

    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        migrate(db)
        version = "bench-v1"
        started = time.perf_counter()
        batch = 10_000
        for start in range(0, rows, batch):
            n = min(batch, rows - start)
            vecs = rng.normal(size=(n, dim)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            db.conn.executemany(
                "INSERT INTO proposals (receipt, text, masked_text, text_hash, channel, source, status, "
                "support_count, created_at, updated_at, embedding, embedding_version) "
                "VALUES (?, '-', '-', ?, 'web', 'chat', 'received', 0, '2026', '2026', ?, ?)",
                [(f"GJ-2026-{start + i + 1:06d}", str(start + i), vecs[i].tobytes(), version) for i in range(n)])
            db.conn.commit()
        fill_s = time.perf_counter() - started

        started = time.perf_counter()
        cold = SimilarIndex(version)
        cold.refresh(db, force=True)
        load_s = time.perf_counter() - started

        qs = rng.normal(size=(queries, dim)).astype(np.float32)
        qs /= np.linalg.norm(qs, axis=1, keepdims=True)
        search = []
        for q in qs:
            t = time.perf_counter()
            cold.search(q, k=3, threshold=0.0)
            search.append(time.perf_counter() - t)

        # The two-stage lookup must return what an exact scan returns: queries near stored vectors.
        exact = SimilarIndex(version)
        exact.add(cold._ids[: len(cold)], cold._matrix[: len(cold)])
        exact._basis = None
        near = cold._matrix[rng.choice(len(cold), queries, replace=False)] + 0.08 * qs
        near /= np.linalg.norm(near, axis=1, keepdims=True)
        agree = np.mean([[m.proposal_id for m in cold.search(q, k=3, threshold=0.3)] ==
                         [m.proposal_id for m in exact.search(q, k=3, threshold=0.3)] for q in near])

        index_for(db, version)  # the process-wide index, loaded once
        full = []
        for q in qs:
            t = time.perf_counter()
            similar_to_vector(db, version, q, k=3, threshold=0.0)
            full.append(time.perf_counter() - t)
        db.close()
    return {"rows": rows, "dim": dim, "fill_s": fill_s, "load_s": load_s, "search": _percentiles(search),
            "two_stage": cold.two_stage, "agree": float(agree),
            "full": _percentiles(full), "queries": queries,
            "memory_mb": rows * dim * 4 / 1e6}


def tune(limit: int) -> dict | None:
    if not DATA.exists():
        print(f"건너뜀(skipped) threshold tuning: {DATA} 가 없어요 — shared petition data not available",
              file=sys.stderr)
        return None
    from civic.embeddings.offline import OfflineKoreanEmbedder
    from civic.embeddings.runtime import seed_texts
    from civic.pii import mask_text

    rows = []
    with DATA.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            content = " ".join((r.get("content") or "").split())
            if len(content) >= QUERY_CHARS + 150:
                # The opening of a petition is the "new proposal"; the rest of it is the stored one.
                rows.append((r.get("category") or "", mask_text(content[:QUERY_CHARS]),
                             mask_text(content[QUERY_CHARS:QUERY_CHARS + 450])))
    random.Random(SEED).shuffle(rows)
    rows = rows[:limit]
    started = time.perf_counter()
    embedder = OfflineKoreanEmbedder()
    bodies = embedder.fit_embed([b for _, _, b in rows] + seed_texts())[: len(rows)]
    titles = embedder.embed([t for _, t, _ in rows])
    fit_s = time.perf_counter() - started
    cats = np.array([c for c, _, _ in rows])
    scores = titles @ bodies.T  # (query, stored)
    # A stored petition of the same category may be a genuine duplicate; only other categories count as wrong.
    same_cat = cats[:, None] == cats[None, :]
    np.fill_diagonal(same_cat, False)
    masked = np.where(same_cat, -1.0, scores)
    best = masked.argmax(axis=1)
    best_score = masked[np.arange(len(rows)), best]
    right = best == np.arange(len(rows))
    table = []
    for t in np.round(np.arange(0.30, 0.86, 0.05), 2):
        offered = best_score >= t
        n_off = int(offered.sum())
        precision = float(right[offered].mean()) if n_off else 1.0
        recall = float((offered & right).sum() / len(rows))
        table.append((float(t), n_off / len(rows), precision, recall))
    # The two-stage lookup on real vectors (forced on although this index is small): same top-3 as exact?
    from civic import similar

    saved = similar.COARSE_FROM
    similar.COARSE_FROM = 0
    try:
        staged = similar.SimilarIndex("tune")
        staged.add(range(len(rows)), bodies)
    finally:
        similar.COARSE_FROM = saved
    exact = similar.SimilarIndex("tune")
    exact.add(range(len(rows)), bodies)
    chosen_t = 0.5
    agree = np.mean([[m.proposal_id for m in staged.search(q, k=3, threshold=chosen_t)] ==
                     [m.proposal_id for m in exact.search(q, k=3, threshold=chosen_t)] for q in titles])
    good = [row for row in table if row[2] >= PRECISION_TARGET]
    chosen = min(good, key=lambda r: r[0]) if good else table[-1]
    return {"n": len(rows), "fit_s": fit_s, "table": table, "chosen": chosen, "dim": bodies.shape[1],
            "top1": float(right.mean()), "agree": float(agree), "two_stage": staged.two_stage}


def report(sp: dict | None, tu: dict | None, args) -> str:
    lines = ["# Similar-proposal lookup: benchmark and threshold", "",
             (f"Command: `PYTHONPATH=. .venv/bin/python -m bench.bench_similar --rows {args.rows} "
             f"--tune-limit {args.tune_limit}` on {os.cpu_count()} cores, load average "
             f"{os.getloadavg()[0]:.1f} when it ran (other jobs share the machine; tails grow with load)."), ""]
    if sp:
        p50, p95, worst = sp["search"]
        f50, f95, fworst = sp["full"]
        verdict = "meets" if f95 <= TARGET_MS else "MISSES"
        mode = "two-stage: 32-d projection, 512 candidates scored exactly" if sp["two_stage"] else "exact scan"
        lines += ["## Speed", "",
                  (f"- stored proposals: {sp['rows']:,} vectors of dimension {sp['dim']} "
                  f"({sp['memory_mb']:.0f} MB in memory)"),
                  (f"- cold load of the index from SQLite: {sp['load_s'] * 1000:,.0f} ms (once per process and "
                  "embedding version)"),
                  (f"- lookup ({mode} + top-3), {sp['queries']} queries: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
                   f"max {worst:.1f} ms"),
                  f"- same top-3 as the exact scan for queries near stored vectors: {sp['agree']:.1%}",
                  (f"- full call as the form makes it (freshness check + rows read): p50 {f50:.1f} ms, "
                  f"p95 {f95:.1f} ms, max {fworst:.1f} ms — {verdict} the {TARGET_MS:.0f} ms target"), ""]
    if tu:
        t, offered, precision, recall = tu["chosen"]
        lines += ["## Threshold (offline embedder)", "",
                  (f"- petitions: {tu['n']:,} (seed {SEED}); embedder fitted in {tu['fit_s']:.1f} s, "
                  f"dimension {tu['dim']}"),
                  f"- best match is the right petition (no threshold): {tu['top1']:.1%}",
                  (f"- two-stage lookup forced on these real vectors: same top-3 (scores >= 0.5) as the exact scan "
                   f"for {tu['agree']:.1%} of queries"),
                  (f"- **chosen threshold {t:.2f}**: offers for {offered:.1%} of new proposals, precision "
                  f"{precision:.1%}, recall {recall:.1%} (`civic/similar.py` THRESHOLDS['offline'])"), "",
                  "| threshold | offered | precision of the best offer | recall |", "|---:|---:|---:|---:|"]
        lines += [f"| {t:.2f} | {o:.1%} | {p:.1%} | {r:.1%} |" for t, o, p, r in tu["table"]]
        lines += ["", ("Two parts of one petition share its topic but rarely its sentences, so this is a hard proxy "
                       "for \"the same problem in other words\"; precision is what the threshold protects.")]
    return "\n".join(lines) + "\n"


def markdown(quick: bool = False) -> list[str]:
    """Speed only, for `make bench` (the threshold tuning stays in docs/benchmarks-similar.md)."""
    rows = 10_000 if quick else 100_000
    args = argparse.Namespace(rows=rows, tune_limit=0)
    text = report(speed(rows), None, args)
    return [line for line in text.splitlines()[2:] if not line.startswith("## ")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="similar-proposal lookup benchmark")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tune-limit", type=int, default=3000)
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--tune-only", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    sp = None if args.tune_only else speed(args.rows)
    tu = None if args.speed_only else tune(args.tune_limit)
    text = report(sp, tu, args)
    print(text)
    if not args.no_write and sp and tu:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
        print(f"written: {DOC.relative_to(ROOT)}")
    if sp and sp["full"][1] > TARGET_MS:
        print(f"p95 above the {TARGET_MS:.0f} ms target", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
