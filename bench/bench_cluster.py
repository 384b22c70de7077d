"""Embedding + clustering time and peak memory at 1k, 10k and all 85,853 petition titles; assigning one proposal.

Each size runs in a fresh child process so its peak memory (ru_maxrss, includes the Python runtime and libraries)
is its own. The child fits the offline embedder on the titles, embeds them all, clusters them with the default
algorithm and labels the topics, i.e. what a full re-cluster computes. After the largest size it writes the topics
into a temporary SQLite database and times `assign_topic` for new proposals (embedding included).

Targets (issue 7): 85,853 titles embedded and clustered in <= 60 s and <= 2 GB; assigning one new proposal <= 50 ms.

    python -m bench.bench_cluster            # all sizes, prints a table
    python -m bench.bench_cluster --quick    # 1k and 10k only
`run(sizes)` returns the rows; `markdown(quick)` is what `make bench` (bench/run_all.py) includes.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.doc_block import write_block
from civic.settings import PROJECT_ROOT

DATA = PROJECT_ROOT.parent / "shared" / "data" / "petitions" / "petition_titles_2019_2021.csv"
SIZES = (1_000, 10_000, 85_853)
QUICK_SIZES = (1_000, 10_000)
ASSIGN_SAMPLES = 200
TARGET_S, TARGET_MB, TARGET_ASSIGN_MS = 60.0, 2048, 50.0
DOC = PROJECT_ROOT / "docs" / "clustering.md"


def titles(n: int) -> list[str]:
    with open(DATA, encoding="utf-8-sig", newline="") as fh:
        rows = [r["title"] or "" for r in csv.DictReader(fh)]
    if n >= len(rows):
        return rows
    pick = np.sort(np.random.default_rng(0).choice(len(rows), n, replace=False))
    return [rows[i] for i in pick]


def measure(n: int, assign: bool) -> dict:
    """Runs inside the child process."""
    from civic.clustering.algorithms import ClusterParams, cluster
    from civic.clustering.labels import topic_labels
    from civic.embeddings.offline import OfflineKoreanEmbedder

    texts = titles(n)
    t0 = time.perf_counter()
    embedder = OfflineKoreanEmbedder()
    vectors = embedder.fit_embed(texts)
    t1 = time.perf_counter()
    labels = cluster(vectors, ClusterParams())
    t2 = time.perf_counter()
    words = topic_labels(texts, labels)
    t3 = time.perf_counter()
    row = {"n": len(texts), "embed_s": t1 - t0, "cluster_s": t2 - t1, "label_s": t3 - t2, "total_s": t3 - t0,
           "topics": int(labels.max() + 1), "unclustered": float((labels < 0).mean()), "dim": embedder.output_dim}
    if assign:
        row.update(time_assign(embedder, vectors, labels, words))
    row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return row


def time_assign(embedder, vectors: np.ndarray, labels: np.ndarray, words: dict) -> dict:
    """Topics of this run in a temporary database; new proposals embedded and assigned one at a time."""
    from civic.clustering.algorithms import centroids
    from civic.clustering.assign import assign_topic
    from civic.clustering.labels import format_label
    from civic.db import migrate, open_db

    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        db = open_db(Path(tmp) / "civic.db")
        migrate(db)
        ids, cents, radii = centroids(vectors, labels)
        now = "2026-01-01T00:00:00.000000+00:00"
        db["topics"].insert_all({"id": int(c) + 1, "label": format_label(words.get(int(c), [])), "keywords": "[]",
                                 "status": "active", "size": int((labels == c).sum()), "centroid": cents[i].tobytes(),
                                 "embedding_version": embedder.version, "join_similarity": float(radii[i]),
                                 "created_at": now, "updated_at": now} for i, c in enumerate(ids))
        new = titles(len(vectors))[:ASSIGN_SAMPLES]
        total, only, joined = [], [], 0
        for i, text in enumerate(new):
            t0 = time.perf_counter()
            vec = embedder.embed([text])[0]
            t_embed = time.perf_counter() - t0
            db["proposals"].insert({"receipt": f"GJ-2000-{i + 1:06d}", "text": text, "masked_text": text,
                                    "text_hash": str(i), "created_at": now, "updated_at": now, "status": "received",
                                    "support_count": 0, "source": "bench", "channel": "web",
                                    "embedding": vec.tobytes(), "embedding_version": embedder.version})
            pid = db.execute("SELECT last_insert_rowid()").fetchone()[0]
            t1 = time.perf_counter()
            joined += assign_topic(db, pid) is not None
            t2 = time.perf_counter()
            total.append(t_embed + t2 - t1)  # embed + assign (storing the row is the store's cost)
            only.append(t2 - t1)
        db.close()
    total_ms, only_ms = np.array(total) * 1000, np.array(only) * 1000
    return {"assign_p50_ms": float(np.median(total_ms)), "assign_p95_ms": float(np.percentile(total_ms, 95)),
            "assign_only_p50_ms": float(np.median(only_ms)), "assign_joined": joined / len(new),
            "assign_topics": len(ids)}


def run(sizes=SIZES) -> list[dict]:
    """One child process per size; returns the measured rows."""
    rows = []
    for n in sizes:
        cmd = [sys.executable, "-m", "bench.bench_cluster", "--child", str(n)]
        if n == max(sizes):
            cmd.append("--assign")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                                          os.environ.get("PYTHONPATH")]))}
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=900,
                             check=False)
        if out.returncode != 0:
            raise RuntimeError(f"bench child for {n} failed: {out.stderr[-2000:]}")
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  {n:,} titles: {rows[-1]['total_s']:.1f} s, {rows[-1]['peak_mb']:.0f} MB", file=sys.stderr,
              flush=True)
    return rows


def table(rows: list[dict]) -> list[str]:
    out = ["| titles | embed s | cluster s | labels s | total s | peak MB | topics | unclustered |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['n']:,} | {r['embed_s']:.1f} | {r['cluster_s']:.1f} | {r['label_s']:.1f} | "
                   f"{r['total_s']:.1f} | {r['peak_mb']:.0f} | {r['topics']} | {r['unclustered']:.1%} |")
    big = max(rows, key=lambda r: r["n"])
    if "assign_p50_ms" in big:
        ok = big["assign_p95_ms"] <= TARGET_ASSIGN_MS
        out += ["", (f"Assigning a new proposal to one of {big['assign_topics']} topics (embed + nearest centroid "
                     f"+ update, {ASSIGN_SAMPLES} proposals): p50 {big['assign_p50_ms']:.1f} ms, p95 "
                     f"{big['assign_p95_ms']:.1f} ms (assignment alone p50 {big['assign_only_p50_ms']:.2f} ms); "
                     f"target <= {TARGET_ASSIGN_MS:.0f} ms (p95): {'met' if ok else 'NOT met'}.")]
    if big["n"] >= SIZES[-1]:
        ok = big["total_s"] <= TARGET_S and big["peak_mb"] <= TARGET_MB
        out += [(f"Target for {big['n']:,} titles (<= {TARGET_S:.0f} s, <= {TARGET_MB} MB): "
                 f"{'met' if ok else 'NOT met'}.")]
    return out


def markdown(quick: bool = False) -> list[str]:
    if not DATA.exists():
        return [f"Not measured: {DATA} is absent (see ../shared/data/README.md)."]
    rows = run(QUICK_SIZES if quick else SIZES)
    return [("Command: `python -m bench.bench_cluster` (offline backend, default clustering; one child process "
             "per size, peak = max RSS of that process)."), "", *table(rows)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k only (not written to the docs)")
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/clustering.md alone")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--assign", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"SKIPPED: {DATA} is absent (see ../shared/data/README.md); nothing was measured.")
        return 0
    if args.child:
        print(json.dumps(measure(args.child, args.assign)))
        return 0
    from bench.machine import describe

    m = describe()
    lines = [f"Measured {m['date']} on {m['machine']} ({m['cpu']}), Python {m['python']}.", "",
             *markdown(args.quick)]
    print("\n".join(lines))
    if not args.quick and not args.no_write:
        write_doc(lines)
        print(f"\nwritten to {DOC}")
    return 0


def write_doc(lines: list[str]) -> None:
    write_block(DOC, "bench-cluster", lines, "Benchmarks", "Topic clustering")


if __name__ == "__main__":
    sys.exit(main())
