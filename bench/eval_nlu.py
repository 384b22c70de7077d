"""`make eval-nlu`: train the NLU on nlu/data/ and measure it on held-out text it never saw; compare the analyzers.

    PYTHONPATH=. RASA_TELEMETRY_ENABLED=false .venv-rasa/bin/python -m bench.eval_nlu [--analyzers mecab,kiwi,okt]

For each Korean analyzer backend (KoreanTokenizer `analyzer:`), one NLU model is trained in a temporary folder with
the project's config.yml (models/gwangju.tar.gz is not touched) and evaluated in-process (Agent.parse_message) on:
- nlu/eval/test.yml: hand-written held-out messages of every intent, with entity annotations;
- nlu/eval/real_heldout.yml: real petition titles (propose) and real everyday utterances (out_of_scope), sampled
  by bench/sample_nlu_data.py disjointly from the training sample.
Reported: intent accuracy and macro-F1, a per-intent table, the top confusion pairs, entity P/R/F1 per entity (type and
canonical value must match on an overlapping span), parse time per message (p50/p95), propose recall on the real titles,
out_of_scope recall on the real utterances, a sweep of the FallbackClassifier threshold, and the analyzer table.
The results are printed and written to docs/nlu.md. The winner (most targets met, then macro-F1, then speed) is
the analyzer to configure. Bounded: a deadline (--budget-min) skips the remaining analyzers with a printed reason.

Development (dev data only, never the held-out files): --dev, --tune-threshold, and for the second-stage linear
classifier --dump-rankings F (with --dev or --tune-threshold) then --blend-from F [--weights --pool-limits --linear
--threshold --ambiguity], which blends the dumped DIET rankings with linear models without retraining DIET, and
--subject-folds K [--linear --log-prior]: leave-subject-out on the linear stage (propose recall on dev titles about
complaint subjects its training never named).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["RASA_MAX_CACHE_SIZE"] = "0"  # measure real training, never a cache hit
# One TensorFlow thread: on 2 cores shared with other processes, TF's thread pools mostly wait on each other
# (DIET epochs measured ~40% faster with 1 thread under load). Read by Rasa when TensorFlow is set up.
os.environ.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
os.environ.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")

import yaml

from bench.machine import describe

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.yml"
TRAIN_DATA = ROOT / "nlu" / "data"
TEST_FILE = ROOT / "nlu" / "eval" / "test.yml"
REAL_FILE = ROOT / "nlu" / "eval" / "real_heldout.yml"
# A second, fresh held-out sample (bench/sample_nlu_data.py FRESH_SIZES), drawn after the first had been scored six
# times: its propose titles come from the petition categories no other sample reads. Reported next to the targets'
# figures, never tuned on.
FRESH_FILE = ROOT / "nlu" / "eval" / "real_fresh.yml"
DEV_FILE = ROOT / "nlu" / "eval" / "dev_real.yml"  # dev only: iterate on this, never on the held-out files
# The files the targets are judged on since 2026-11-22 14:05 UTC (the old ones above had been scored 11 and 5 times;
# they stay in the report as extra columns): a blind hand-written set, intents only (25 per intent, written without
# seeing the training data or the model's errors; absent until the lead puts it there, then the report says so), and
# the larger real sample drawn last by bench/sample_nlu_data.py (HELDOUT2_SIZES).
BLIND_FILE = ROOT / "nlu" / "eval" / "test_blind.yml"
HELDOUT2_FILE = ROOT / "nlu" / "eval" / "real_heldout2.yml"
# Development sets of the blind set's kind (hand-written, intents only): --dev scores them; data and settings may be
# chosen on them, but they are never trained on. dev_hand4.yml to dev_hand7.yml are the third to sixth blind sets
# (engineers T5 + T6, T7 + T8, T9 + T10, T11 + T12), each spent after its one scoring and moved here; the next blind file
# takes BLIND_FILE's place, written by other writers. The three oldest hand-written sets became training data: dev_hand.yml
# (engineer T1) and the first blind set (engineer T2) in the tenth round (nlu/data/hand_written.yml, hand_written2.yml),
# the second blind set (dev_hand3.yml, engineers T3 + T4) in the eleventh (nlu/data/hand_written3.yml).
DEV_HAND_FILES = tuple(ROOT / "nlu" / "eval" / f"dev_hand{n}.yml" for n in ("4", "5", "6", "7"))
POOL_FILE = ROOT / "nlu" / "pool" / "real_pool.yml"  # the linear second stage's extra real text (not DIET's)
DOC = ROOT / "docs" / "nlu.md"
ANALYZERS = ("mecab", "kiwi", "okt")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
IN_SCOPE_OK_AS_FALLBACK = "out_of_scope"  # nlu_fallback and out_of_scope both answer with the help menu


@dataclass
class Example:
    text: str
    intent: str
    entities: list[tuple[str, int, int, str]]  # (entity, start, end, canonical value)
    source: str  # "test" | "real" | "fresh" | "blind" | "real2" | "dev" | "dev-hand" | "dev-handfile"
    origin: str = ""  # real text: petitions | chatbot | 3i4k (metadata of nlu/eval/real_heldout.yml)


@dataclass
class Prediction:
    intent: str  # after the FallbackClassifier (may be nlu_fallback)
    raw_intent: str  # DIET's top intent
    confidence: float  # DIET's top confidence
    entities: list[tuple[str, int, int, str]]
    ms: float
    ranking: list[tuple[str, float]] = field(default_factory=list)  # intent_ranking without nlu_fallback


@dataclass
class Run:
    analyzer: str
    train_s: float = 0.0
    load_s: float = 0.0
    predictions: list[Prediction] = field(default_factory=list)
    error: str = ""


# ---------------------------------------------------------------- data
def intent_examples(path: Path, source: str) -> list[Example]:
    """The messages of a Rasa NLU file with their intents only (entity markup dropped): hand-written sets without
    entity annotations (test_blind.yml, dev_hand4.yml) and the real samples."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [Example(m.get("text"), m.get("intent"), [], source, _origin(m))
            for m in load_data(str(path)).intent_examples]


def _origin(message) -> str:
    """The sampler's per-block source tag (chatbot, 3i4k, petitions...), empty for hand-written files."""
    return ((message.get("metadata") or {}).get("intent") or {}).get("source", "")


def load_examples(synonyms: dict[str, str], blind: Path | None = BLIND_FILE) -> list[Example]:
    """The held-out messages: the old files (test.yml with entities, real_heldout.yml, real_fresh.yml; required)
    and the new ones the targets are judged on (real_heldout2.yml required, the blind file if it exists)."""
    from rasa.shared.nlu.training_data.loading import load_data

    from nlu.rasa_components import normalize_receipt_id

    old = ((TEST_FILE, "test"), (REAL_FILE, "real"), (FRESH_FILE, "fresh"))
    for path in (HELDOUT2_FILE, *(path for path, _ in old)):
        if not path.exists():
            raise SystemExit(f"missing held-out file {path.relative_to(ROOT)} (run: python -m bench.sample_nlu_data)")
    out = intent_examples(HELDOUT2_FILE, "real2")
    if blind is not None and blind.exists():
        out += intent_examples(blind, "blind")
    for path, source in old:
        for msg in load_data(str(path)).intent_examples:
            ents = []
            for e in msg.get("entities") or []:
                value = str(e["value"])
                value = (normalize_receipt_id(value) or value) if e["entity"] == "receipt_id" else \
                    synonyms.get(value.lower(), value)
                ents.append((e["entity"], e["start"], e["end"], value))
            out.append(Example(msg.get("text"), msg.get("intent"), ents, source, _origin(msg)))
    return out


def training_synonyms_and_texts(train_data: Path = TRAIN_DATA) -> tuple[dict[str, str], set[str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(train_data))
    return ({k.lower(): v for k, v in data.entity_synonyms.items()},
            {_key(m.get("text")) for m in data.intent_examples})


def _key(text: str) -> str:
    return re.sub(r"[\s.,!?~]+", "", text or "").lower()



def held_out_leaks(examples: list[Example], train_keys: set[str]) -> list[Example]:
    """Held-out messages that also occur in the training data. The real samples and test.yml must never; the blind
    file is written apart from it and may repeat a short common message (안녕하세요): counted and reported, not a leak."""
    return [e for e in examples if e.source != "blind" and _key(e.text) in train_keys]

# ---------------------------------------------------------------- training and parsing
def config_for(analyzer: str, workdir: Path, base: Path) -> Path:
    config = yaml.safe_load(base.read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"].endswith(("KoreanTokenizer", "LinearIntentClassifier")):
            component["analyzer"] = analyzer
    path = workdir / f"config-{analyzer}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def train_and_parse(analyzer: str, examples: list[Example], workdir: Path, base_config: Path,
                    train_data: Path = TRAIN_DATA) -> Run:
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    run = Run(analyzer)
    t0 = time.perf_counter()
    model = train_nlu(str(config_for(analyzer, workdir, base_config)), str(train_data), str(workdir / analyzer),
                      fixed_model_name=f"nlu-{analyzer}")
    run.train_s = time.perf_counter() - t0
    if not model:
        run.error = "training produced no model"
        return run
    t0 = time.perf_counter()
    agent = Agent.load(model)
    run.load_s = time.perf_counter() - t0
    run.predictions = asyncio.run(_parse_all(agent, [e.text for e in examples]))
    return run


async def _parse_all(agent, texts: list[str]) -> list[Prediction]:
    for text in texts[:5]:  # warm-up: TF graph tracing on the first calls is not a per-message cost
        await agent.parse_message(text)
    out = []
    for text in texts:
        t0 = time.perf_counter()
        result = await agent.parse_message(text)
        ms = (time.perf_counter() - t0) * 1000
        ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        top = ranking[0] if ranking else result.get("intent") or {}
        ents = [(e["entity"], e["start"], e["end"], str(e["value"])) for e in result.get("entities") or []]
        out.append(Prediction((result.get("intent") or {}).get("name") or "nlu_fallback",
                              top.get("name") or "nlu_fallback", float(top.get("confidence") or 0.0), ents, ms,
                              [(r["name"], float(r.get("confidence") or 0.0)) for r in ranking if r.get("name")]))
    return out


# ---------------------------------------------------------------- metrics
def intent_report(gold: list[str], pred: list[str], ok_as_fallback: bool = False) -> dict:
    """Per-intent precision/recall/F1 over the gold intents; accuracy; macro-F1 (unweighted mean over gold intents).

    ok_as_fallback: count nlu_fallback as correct for out_of_scope (both answer with the help menu)."""
    if ok_as_fallback:
        pred = [g if (g == IN_SCOPE_OK_AS_FALLBACK and p == "nlu_fallback") else p for g, p in zip(gold, pred)]
    labels = sorted(set(gold))
    rows = {}
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, pred))
        fp = sum(p == label and g != label for g, p in zip(gold, pred))
        fn = sum(g == label and p != label for g, p in zip(gold, pred))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    accuracy = sum(g == p for g, p in zip(gold, pred)) / len(gold) if gold else 0.0
    macro = statistics.mean(r["f1"] for r in rows.values()) if rows else 0.0
    confusion = Counter((g, p) for g, p in zip(gold, pred) if g != p)
    return {"rows": rows, "accuracy": accuracy, "macro_f1": macro, "confusion": confusion}


def entity_report(examples: list[Example], preds: list[Prediction]) -> dict:
    """A hit: same entity type and canonical value, overlapping spans (actions use the value, not the offsets)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    for ex, pr in zip(examples, preds):
        unmatched = list(pr.entities)
        for g in ex.entities:
            hit = next((p for p in unmatched if p[0] == g[0] and p[3] == g[3] and p[1] < g[2] and g[1] < p[2]), None)
            if hit:
                unmatched.remove(hit)
                counts[g[0]][0] += 1
            else:
                counts[g[0]][2] += 1
        for p in unmatched:
            counts[p[0]][1] += 1
    rows = {}
    for name, (tp, fp, fn) in sorted(counts.items()):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        rows[name] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": tp + fn}
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"rows": rows, "micro_f1": 2 * p * r / (p + r) if p + r else 0.0}


def with_threshold(preds: list[Prediction], threshold: float) -> list[str]:
    return [p.raw_intent if p.confidence >= threshold else "nlu_fallback" for p in preds]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarize(run: Run, examples: list[Example]) -> dict:
    test = [(e, p) for e, p in zip(examples, run.predictions) if e.source == "test"]
    real = [(e, p) for e, p in zip(examples, run.predictions) if e.source == "real"]
    fresh = [(e, p) for e, p in zip(examples, run.predictions) if e.source == "fresh"]
    blind = [(e, p) for e, p in zip(examples, run.predictions) if e.source == "blind"]
    real2 = [(e, p) for e, p in zip(examples, run.predictions) if e.source == "real2"]
    intents = intent_report([e.intent for e, _ in test], [p.intent for _, p in test])
    lenient = intent_report([e.intent for e, _ in test], [p.intent for _, p in test], ok_as_fallback=True)
    entities = entity_report([e for e, _ in test], [p for _, p in test])
    real_prop = [(e, p) for e, p in real if e.intent == "propose"]
    real_oos = [(e, p) for e, p in real if e.intent == "out_of_scope"]
    ms = [p.ms for p in run.predictions]
    sweep = []
    for t in THRESHOLDS:
        all_pairs = test + real
        gold = [e.intent for e, _ in all_pairs]
        pred = with_threshold([p for _, p in all_pairs], t)
        in_scope = [(g, p) for g, p in zip(gold, pred) if g != "out_of_scope"]
        oos = [(g, p) for g, p in zip(gold, pred) if g == "out_of_scope"]
        sweep.append({
            "threshold": t,
            "macro_f1_test": intent_report([e.intent for e, _ in test],
                                           with_threshold([p for _, p in test], t))["macro_f1"],
            "lenient_macro_f1_all": intent_report(gold, pred, ok_as_fallback=True)["macro_f1"],
            "in_scope_answered": sum(g == p for g, p in in_scope) / max(1, len(in_scope)),
            "in_scope_fallback": sum(p == "nlu_fallback" for _, p in in_scope) / max(1, len(in_scope)),
            "oos_caught": sum(p in ("out_of_scope", "nlu_fallback") for _, p in oos) / max(1, len(oos)),
        })
    return {
        "intents": intents, "lenient": lenient, "entities": entities,
        "propose_recall": sum(p.intent == "propose" for _, p in real_prop) / max(1, len(real_prop)),
        "propose_misses": Counter(p.intent for _, p in real_prop if p.intent != "propose"),
        "oos_recall": sum(p.intent == "out_of_scope" for _, p in real_oos) / max(1, len(real_oos)),
        "oos_or_fallback": sum(p.intent in ("out_of_scope", "nlu_fallback") for _, p in real_oos)
        / max(1, len(real_oos)),
        "oos_misses": Counter(p.intent for _, p in real_oos if p.intent != "out_of_scope"),
        "n_real_propose": len(real_prop), "n_real_oos": len(real_oos), "n_test": len(test),
        "fresh": {intent: recall_counts(intent, [p.intent for e, p in fresh if e.intent == intent])
                  for intent in ("propose", "out_of_scope")},
        "fresh_n": {intent: sum(e.intent == intent for e, _ in fresh) for intent in ("propose", "out_of_scope")},
        # The files the targets are judged on (None / zero counts when absent or empty).
        "blind": hand_summary([e.intent for e, _ in blind], [p.intent for _, p in blind]) if blind else None,
        "heldout2": {intent: recall_counts(intent, [p.intent for e, p in real2 if e.intent == intent])
                     for intent in ("propose", "out_of_scope")},
        "heldout2_n": {intent: sum(e.intent == intent for e, _ in real2) for intent in ("propose", "out_of_scope")},
        "heldout2_misses": {intent: Counter(p.intent for e, p in real2 if e.intent == intent and p.intent != intent)
                            for intent in ("propose", "out_of_scope")},
        "heldout2_by_origin": {origin: (sum(p.intent == e.intent for e, p in real2 if e.origin == origin),
                                        sum(e.origin == origin for e, _ in real2))
                               for origin in sorted({e.origin for e, _ in real2})},
        "by_origin": {origin: (sum(p.intent == e.intent for e, p in real if e.origin == origin),
                               sum(e.origin == origin for e, _ in real))
                      for origin in sorted({e.origin for e, _ in real})},
        "p50": percentile(ms, 0.5), "p95": percentile(ms, 0.95), "n_parsed": len(ms), "sweep": sweep,
    }


def hand_summary(gold: list[str], pred: list[str]) -> dict:
    """A hand-written intent-only set (test_blind.yml, dev_hand4.yml): intent_report strict and with nlu_fallback
    counted right for out_of_scope, and the number of messages."""
    return {**intent_report(gold, pred), "lenient_macro_f1": intent_report(gold, pred, ok_as_fallback=True)["macro_f1"],
            "n": len(gold)}


def prf_table(rows: dict, label: str = "intent") -> list[str]:
    """Markdown table of per-label precision, recall, F1 and support."""
    return [f"| {label} | precision | recall | F1 | support |", "|---|---|---|---|---|",
            *(f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |"
              for name, row in rows.items())]


def confusion_lines(confusion: Counter, top: int) -> list[str]:
    return [f"- {g} → {p}: {n}" for (g, p), n in confusion.most_common(top)] or ["- none"]


def hand_lines(rep: dict, name: str) -> list[str]:
    """Markdown for a hand-written intent-only set: accuracy, macro-F1, the per-intent table, confusion pairs."""
    return [(f"{name}: {rep['n']} messages, accuracy {rep['accuracy']:.3f}, macro-F1 {rep['macro_f1']:.3f} "
             f"(counting nlu_fallback as right for out_of_scope: {rep['lenient_macro_f1']:.3f})."), "",
            *prf_table(rep["rows"]), "", "Confusion pairs (gold → predicted, count):", "",
            *confusion_lines(rep["confusion"], 12)]


# ---------------------------------------------------------------- threshold tuning (dev data, never held-out)
DEV_FRACTION = 0.2
DEV_SEED = 7
TUNE_THRESHOLDS = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))  # 0.30 .. 0.95


def dev_split(train_data: Path = TRAIN_DATA) -> tuple[Path, list[Example]]:
    """Training data minus a stratified 20% of the hand-written examples, and a dev set of those examples plus the
    real dev sample of bench/sample_nlu_data.py (nlu/eval/dev_real.yml, never trained on). The held-out
    files are not read."""
    import random

    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bench.sample_nlu_data import DATA, build

    data = load_data(str(train_data))
    synonyms = {k.lower(): v for k, v in data.entity_synonyms.items()}
    rng = random.Random(DEV_SEED)
    by_intent: dict[str, list] = defaultdict(list)
    for msg in data.intent_examples:
        real = ((msg.get("metadata") or {}).get("intent") or {}).get("source")
        by_intent["real" if real else msg.get("intent")].append(msg)
    keep, dev = list(by_intent.pop("real", [])), []
    for intent in sorted(by_intent):
        msgs = sorted(by_intent[intent], key=lambda m: m.get("text"))
        rng.shuffle(msgs)
        n_dev = max(1, round(len(msgs) * DEV_FRACTION))
        dev += [Example(m.get("text"), intent, [(e["entity"], e["start"], e["end"],
                                                 synonyms.get(str(e["value"]).lower(), str(e["value"])))
                                                for e in m.get("entities") or []], "dev-hand") for m in msgs[:n_dev]]
        keep += msgs[n_dev:]
    for intent, origin, texts in build(DATA)["dev"]:
        dev += [Example(t, intent, [], "dev-real", origin) for t in texts]
    train = TrainingData(training_examples=keep, entity_synonyms=data.entity_synonyms,
                         regex_features=data.regex_features, lookup_tables=data.lookup_tables)
    folder = Path(tempfile.mkdtemp(prefix="nlu-dev-"))
    (folder / "nlu.yml").write_text(train.nlu_as_yaml(), encoding="utf-8")
    return folder, dev


def dump_rankings(path: Path | None, examples: list[Example], preds: list[Prediction]) -> None:
    """Dev only: each dev text with its gold intent and the model's intent ranking, so that second-stage settings
    (bench/eval_nlu.py --blend-from) can be compared without retraining DIET. A file for /tmp, never for docs."""
    if path is None:
        return
    import json

    path.write_text(json.dumps([{"text": e.text, "intent": e.intent, "source": e.source, "origin": e.origin,
                                 "ranking": p.ranking} for e, p in zip(examples, preds)], ensure_ascii=False),
                    encoding="utf-8")


def tune_threshold(analyzer: str, base_config: Path, train_data: Path = TRAIN_DATA, dump: Path | None = None) -> int:
    """Train on the training data minus the dev split, sweep the FallbackClassifier threshold on the dev split."""
    folder, dev = dev_split(train_data)
    print(f"dev split: {sum(e.source == 'dev-hand' for e in dev)} hand-written, "
          f"{sum(e.source == 'dev-real' for e in dev)} real (nlu/eval/dev_real.yml sample); held-out not read")
    with tempfile.TemporaryDirectory(prefix="eval-nlu-dev-") as tmp:
        run = train_and_parse(analyzer, dev, Path(tmp), base_config, train_data=folder)
    shutil.rmtree(folder, ignore_errors=True)
    if run.error:
        print(f"error: {run.error}", file=sys.stderr)
        return 1
    dump_rankings(dump, dev, run.predictions)
    hand = [(e, p) for e, p in zip(dev, run.predictions) if e.source == "dev-hand"]
    real = [(e, p) for e, p in zip(dev, run.predictions) if e.source == "dev-real"]
    print(f"trained in {run.train_s:.0f} s; sweep on the dev split ({analyzer}):")
    print("| threshold | macro-F1 (dev hand-written, fallback ok for OOS) | in-scope → fallback | "
          "propose recall (dev real) | OOS caught (dev real) | mean |")
    print("|---|---|---|---|---|---|")
    for t in TUNE_THRESHOLDS:
        hp = with_threshold([p for _, p in hand], t)
        macro = intent_report([e.intent for e, _ in hand], hp, ok_as_fallback=True)["macro_f1"]
        in_scope = [p for (e, _), p in zip(hand, hp) if e.intent != "out_of_scope"]
        rp = with_threshold([p for _, p in real], t)
        prop = [p for (e, _), p in zip(real, rp) if e.intent == "propose"]
        oos = [p for (e, _), p in zip(real, rp) if e.intent == "out_of_scope"]
        row = (macro, sum(p == "nlu_fallback" for p in in_scope) / max(1, len(in_scope)),
               sum(p == "propose" for p in prop) / max(1, len(prop)),
               sum(p in ("out_of_scope", "nlu_fallback") for p in oos) / max(1, len(oos)))
        print(f"| {t:.2f} | {row[0]:.3f} | {row[1]:.3f} | {row[2]:.3f} | {row[3]:.3f} | "
              f"{(row[0] + row[2] + row[3]) / 3:.3f} |")
    return 0


def recall_counts(intent: str, predicted: Sequence[str]) -> tuple[int, int, int]:
    """(right, right or sent to the fallback menu, total) for messages whose true intent is `intent`."""
    hit = sum(p == intent for p in predicted)
    return hit, hit + sum(p == "nlu_fallback" for p in predicted), max(1, len(predicted))


def eval_dev(analyzer: str, base_config: Path, train_data: Path = TRAIN_DATA, show_misses: bool = False,
             dump: Path | None = None) -> int:
    """Train the shipped data and pipeline, measure only on the dev files (nlu/eval/dev_real.yml and, if present,
    the hand-written DEV_HAND_FILES, nlu/eval/dev_hand4.yml and dev_hand5.yml); held-out not read.

    For development iterations: propose and out_of_scope recall on real dev text, a threshold sweep, and the
    hand-written files' macro-F1 with their per-intent table."""
    if not DEV_FILE.exists():
        raise SystemExit(f"missing {DEV_FILE.relative_to(ROOT)} (run: python -m bench.sample_nlu_data)")
    _, train_keys = training_synonyms_and_texts(train_data)
    real_dev = intent_examples(DEV_FILE, "dev")
    hand_sets = [(f.name, intent_examples(f, "dev-handfile")) for f in DEV_HAND_FILES if f.exists()]
    hand_dev = [e for _, examples in hand_sets for e in examples]
    hand_names = " + ".join(name for name, _ in hand_sets) or "none"
    leaked = sum(_key(e.text) in train_keys for e in real_dev)
    if leaked:
        print(f"error: {leaked} dev messages occur in the training data", file=sys.stderr)
        return 1
    # Hand-written sets written apart from the training data may repeat a short common message (안녕하세요):
    # reported, not refused; a message copied from a dev_hand file into nlu/data would show up here.
    hand_in_train = sum(_key(e.text) in train_keys for e in hand_dev)
    dev = real_dev + hand_dev
    with tempfile.TemporaryDirectory(prefix="eval-nlu-dev-") as tmp:
        run = train_and_parse(analyzer, dev, Path(tmp), base_config, train_data=train_data)
    if run.error:
        print(f"error: {run.error}", file=sys.stderr)
        return 1
    dump_rankings(dump, dev, run.predictions)
    ms = [p.ms for p in run.predictions]
    print(f"dev ({analyzer}): {len(real_dev)} real texts, {len(hand_dev)} hand-written ({hand_names}), trained in "
          f"{run.train_s:.0f} s, parse p50 {percentile(ms, 0.5):.1f} ms p95 {percentile(ms, 0.95):.1f} ms, "
          f"load {os.getloadavg()[0]:.1f}")
    hand_pairs = [(e, p) for e, p in zip(dev, run.predictions) if e.source == "dev-handfile"]
    if hand_pairs:
        rep = hand_summary([e.intent for e, _ in hand_pairs], [p.intent for _, p in hand_pairs])
        print("\n".join(hand_lines(rep, f"  {hand_names} ({hand_in_train} of its messages also in the training data)")))
        start = 0
        for name, examples in hand_sets:  # each file's own macro-F1: the files come from different writers
            part = hand_pairs[start:start + len(examples)]
            start += len(examples)
            f1 = hand_summary([e.intent for e, _ in part], [p.intent for _, p in part])["macro_f1"]
            print(f"  {name}: {len(examples)} messages, macro-F1 {f1:.3f}")
        if show_misses:  # hand-written dev text (not shared data): printed whole
            for e, p in hand_pairs:
                if p.intent != e.intent:
                    print(f"   hand {e.intent} -> {p.intent} ({p.raw_intent} {p.confidence:.2f}): {e.text}")
    else:
        print("  no nlu/eval/dev_hand4.yml / dev_hand5.yml: hand-written dev set not scored")
    run.predictions = [p for e, p in zip(dev, run.predictions) if e.source == "dev"]
    dev = real_dev
    groups = [(f"{origin:9s} {intent:12s}", intent, [p.intent for e, p in zip(dev, run.predictions)
                                                     if e.origin == origin])
              for origin, intent in sorted({(e.origin, e.intent) for e in dev})]
    groups += [(f"{intent:12s}", intent, [p.intent for e, p in zip(dev, run.predictions) if e.intent == intent])
               for intent in ("propose", "out_of_scope")]
    for label, intent, predicted in groups:
        hit, menu, n = recall_counts(intent, predicted)
        misses = Counter(p for p in predicted if p != intent)
        print(f"  {label} recall {hit / n:.3f} ({hit}/{n}), with fallback {menu / n:.3f}; misses: {_counter(misses)}")
    print("  threshold: propose recall / OOS strict / OOS or fallback")
    for t in TUNE_THRESHOLDS:
        pred = with_threshold(run.predictions, t)
        prop = recall_counts("propose", [p for e, p in zip(dev, pred) if e.intent == "propose"])
        oos = recall_counts("out_of_scope", [p for e, p in zip(dev, pred) if e.intent == "out_of_scope"])
        print(f"  {t:.2f}  {prop[0] / prop[2]:.3f}  {oos[0] / oos[2]:.3f}  {oos[1] / oos[2]:.3f}")
    if show_misses:  # dev text only, cut short: shared data rows are never printed whole
        for e, p in zip(dev, run.predictions):
            if p.intent != e.intent:
                print(f"   {e.origin} -> {p.intent} ({p.raw_intent} {p.confidence:.2f}): {e.text[:14]}…")
    return 0


def blend_from(dump: Path, train_data: Path, settings: dict, pool_limits: dict | None, weights: list[float],
               threshold: float, ambiguity: float = 0.05, log_prior: dict | None = None,
               intent_weights: dict | None = None) -> int:
    """Dev only, no DIET retraining: the dev rankings of a DIET-only run (--dump-rankings, with --dev or
    --tune-threshold) blended with a linear model (nlu/linear_intents.py) trained here on the same training data
    plus the real pool, for several blend weights; weight 0 (without intent_weights) is DIET alone. log_prior and
    intent_weights are the Rasa component's settings of the same names. The held-out files are not read."""
    import json

    from rasa.shared.nlu.training_data.loading import load_data

    from nlu.linear_intents import LinearIntentModel, blend_ranking, read_pool, shift_priors

    rows = json.loads(dump.read_text(encoding="utf-8"))
    tune = any(r["source"] == "dev-hand" for r in rows)  # dev-handfile (DEV_HAND_FILES) rows need no split
    folder = dev_split(train_data)[0] if tune else train_data  # the data the dumped DIET model was trained on
    messages = load_data(str(folder)).intent_examples
    texts, labels = [m.get("text") for m in messages], [m.get("intent") for m in messages]
    pool = read_pool(POOL_FILE, pool_limits) if pool_limits != {} else []
    # The real dev texts must be in neither; the hand-written dev split is dev_split()'s (near-duplicates across it,
    # such as 안녕 / 안녕!, are the same for DIET and for the linear model).
    dev_keys = {_key(r["text"]) for r in rows if not r["source"].startswith("dev-hand")}
    if any(_key(t) in dev_keys for t, _ in pool) or any(_key(t) in dev_keys for t in texts):
        print("error: a dev text is in the linear model's training data", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    model = LinearIntentModel(**settings).fit(texts + [t for t, _ in pool], labels + [i for _, i in pool])
    fit_s = time.perf_counter() - t0
    classes, probs = model.predict_proba([r["text"] for r in rows])
    print(f"linear model: {len(texts)} training + {len(pool)} pool texts, fit {fit_s:.1f} s (load "
          f"{os.getloadavg()[0]:.1f}), settings {settings}, pool limits {pool_limits}; "
          f"{'tune split' if tune else 'dev'}: {len(rows)} texts; threshold {threshold}; log prior {log_prior}, "
          f"intent weights {intent_weights}")
    print("| weight | propose recall (dev real) | OOS recall | OOS or fallback | hand macro-F1 (fallback ok for OOS) "
          "| ask_program F1 | in-scope hand → fallback | hand macro-F1 strict |")
    print("|---|---|---|---|---|---|---|---|")
    for w in weights:
        pred = []
        for r, pr in zip(rows, probs):
            ranking = [{"name": n, "confidence": c} for n, c in r["ranking"]]
            if w > 0 or intent_weights:
                ranking = blend_ranking(ranking, shift_priors(dict(zip(classes, pr)), log_prior), w, intent_weights)
            top = ranking[0] if ranking else {"name": "nlu_fallback", "confidence": 0.0}
            second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
            low = top["confidence"] < threshold or top["confidence"] - second < ambiguity
            pred.append("nlu_fallback" if low else top["name"])
        real = [(r, p) for r, p in zip(rows, pred) if not r["source"].startswith("dev-hand")]
        prop = recall_counts("propose", [p for r, p in real if r["intent"] == "propose"])
        oos = recall_counts("out_of_scope", [p for r, p in real if r["intent"] == "out_of_scope"])
        hand = [(r["intent"], p) for r, p in zip(rows, pred) if r["source"].startswith("dev-hand")]
        cells = [f"{prop[0] / prop[2]:.3f}", f"{oos[0] / oos[2]:.3f}", f"{oos[1] / oos[2]:.3f}"]
        if hand:
            rep = intent_report([g for g, _ in hand], [p for _, p in hand], ok_as_fallback=True)
            in_scope = [p for g, p in hand if g != "out_of_scope"]
            strict = intent_report([g for g, _ in hand], [p for _, p in hand])["macro_f1"]
            cells += [f"{rep['macro_f1']:.3f}", f"{rep['rows']['ask_program']['f1']:.3f}",
                      f"{sum(p == 'nlu_fallback' for p in in_scope) / max(1, len(in_scope)):.3f}", f"{strict:.3f}"]
        else:
            cells += ["-", "-", "-", "-"]
        print(f"| {w:.2f} | " + " | ".join(cells) + " |")
    return 0


def _subjects(text: str) -> set[str]:
    """The LIVING subject keywords a text names, spacing removed (불법 주차 = 불법주차)."""
    from bench.sample_nlu_data import LIVING

    return {m.group().replace(" ", "") for m in LIVING.finditer(text)}


def subject_groups(titles: Sequence[str], folds: int, seed: int = 11) -> tuple[dict[str, str], list[set[str]]]:
    """Each dev title's subject (its first LIVING keyword, as bench.sample_nlu_data.petition_pool gives it) and the
    subjects split into `folds` groups (a seeded shuffle, then every folds-th one)."""
    import random

    from bench.sample_nlu_data import LIVING

    first = {t: LIVING.search(t).group().replace(" ", "") for t in titles if LIVING.search(t)}
    names = sorted(set(first.values()))
    random.Random(seed).shuffle(names)
    return first, [set(names[k::folds]) for k in range(folds)]


def without_subjects(train: Sequence[tuple[str, str]], group: set[str]) -> list[tuple[str, str]]:
    """The (text, intent) pairs, of any intent, that name none of the group's subject keywords."""
    return [(t, i) for t, i in train if not _subjects(t) & group]


def subject_folds(train_data: Path, settings: dict, log_prior: dict | None, folds: int = 5, seed: int = 11) -> int:
    """Dev only: leave-subject-out on the linear stage. The dev titles' subjects are split into `folds` groups
    (subject_groups), and for each group a linear model is trained on nlu/data plus the real pool WITHOUT any text
    (of any intent) that names one of the group's keywords, then scored on the dev titles of that group (propose
    recall on subjects it never saw) and on the 600 dev everyday texts (out_of_scope recall, mean over the folds).
    The linear model alone (argmax after log_prior), as DIET was trained on every subject. Counts only; the
    held-out files are not read."""
    from rasa.shared.nlu.training_data.loading import load_data

    from nlu.linear_intents import LinearIntentModel, read_pool, shift_priors

    messages = load_data(str(train_data)).intent_examples
    train = [(m.get("text"), m.get("intent")) for m in messages] + read_pool(POOL_FILE)
    dev = [(m.get("text"), m.get("intent")) for m in load_data(str(DEV_FILE)).intent_examples]
    first, groups = subject_groups([t for t, i in dev if i == "propose"], folds, seed)
    print(f"leave-subject-out ({folds} folds over the {sum(map(len, groups))} subjects of the {len(first)} dev titles, "
          f"seed {seed}; settings {settings}, log prior {log_prior}); load {os.getloadavg()[0]:.1f}")
    print("| fold | subjects | training texts dropped | unseen-subject propose recall | seen-subject propose recall "
          "| OOS recall (dev everyday) |")
    print("|---|---|---|---|---|---|")
    unseen_hit = unseen_n = seen_hit = seen_n = oos_hit = oos_n = 0
    for k, group in enumerate(groups):
        kept = without_subjects(train, group)
        # Subject-swap augmentation may only use the subjects this fold's model is allowed to see.
        fold_settings = {**settings, "swap_words": [w for w in settings.get("swap_words", [])
                                                    if w.replace(" ", "") not in group]}
        model = LinearIntentModel(**fold_settings).fit([t for t, _ in kept], [i for _, i in kept])
        classes, probs = model.predict_proba([t for t, _ in dev])
        pred = [max(shift_priors(dict(zip(classes, pr)), log_prior).items(), key=lambda kv: kv[1])[0]
                for pr in probs]
        u = [p == "propose" for (t, i), p in zip(dev, pred) if i == "propose" and first.get(t) in group]
        s_ = [p == "propose" for (t, i), p in zip(dev, pred) if i == "propose" and first.get(t) not in group]
        o = [p == "out_of_scope" for (t, i), p in zip(dev, pred) if i == "out_of_scope"]
        unseen_hit, unseen_n = unseen_hit + sum(u), unseen_n + len(u)
        seen_hit, seen_n = seen_hit + sum(s_), seen_n + len(s_)
        oos_hit, oos_n = oos_hit + sum(o), oos_n + len(o)
        print(f"| {k} | {len(group)} | {len(train) - len(kept)} | {sum(u) / max(1, len(u)):.3f} ({sum(u)}/{len(u)}) "
              f"| {sum(s_) / max(1, len(s_)):.3f} | {sum(o) / max(1, len(o)):.3f} |")
    print(f"| all | {sum(map(len, groups))} | - | **{unseen_hit / max(1, unseen_n):.3f}** ({unseen_hit}/{unseen_n}) | "
          f"{seen_hit / max(1, seen_n):.3f} | **{oos_hit / max(1, oos_n):.3f}** |")
    return 0


# ---------------------------------------------------------------- report
# How many times the held-out files have been scored in development, printed in docs/nlu.md so that a reader can
# judge how held-out they still are. Bump it by one before each new full `make eval-nlu`.
HELDOUT_SCORINGS = 17
# The same count for the fresh sample (nlu/eval/real_fresh.yml), committed before its first scoring.
FRESH_SCORINGS = 11
# The same counts for the files the targets are judged on from 2026-11-22 on (nlu/eval/test_blind.yml and
# nlu/eval/real_heldout2.yml): the lead bumps them by one before each scoring; each file is meant to be scored once.
# BLIND_SCORINGS counts the scorings of the blind file in place. None is now (the first six, each scored once, are
# the sources of nlu/data/hand_written2.yml and hand_written3.yml and nlu/eval/dev_hand4.yml to 7): 0 until a new one.
BLIND_SCORINGS = 0
HELDOUT2_SCORINGS = 6


def _recall_cell(counts: tuple[int, int, int], n: int) -> str:
    """A recall with its count, or "n/a" when the file has no text of that intent."""
    hit, _, total = counts
    return f"{hit / total:.3f} ({hit}/{total})" if n else "n/a"


def _fresh(r: dict, intent: str) -> str:
    """Recall on the fresh held-out sample (nlu/eval/real_fresh.yml) with its count, or a dash without the file."""
    hit, _, n = r["fresh"][intent]
    return f"{hit / n:.3f} ({hit}/{n})" if hit or n > 1 else "-"


def markdown(runs: list[Run], results: dict[str, dict], winner: str, configured: dict, skipped: list[str]) -> str:
    m = describe()
    uname = os.uname()
    lines = [
        "# NLU evaluation",
        "",
        (f"Measured {m['date']} on `{uname.machine}`, {os.cpu_count()} cores (`nproc`), {m['cpu']}, "
         f"Python {m['python']}. The machine is shared with other work: load average {configured['load']} at the "
         "end of the run (2 cores), so the times are those of a busy machine."),
        "Regenerate with `make eval-nlu` (bench/eval_nlu.py); do not edit the figures by hand.",
        "",
        (f"Scorings of the files the targets are judged on: this is scoring number {BLIND_SCORINGS} of "
         f"nlu/eval/test_blind.yml and number {HELDOUT2_SCORINGS} of nlu/eval/real_heldout2.yml (each meant to be "
         "scored once; 0 means the counter was not bumped before this run). Blind file: "
         + (f"{results[winner]['blind']['n']} hand-written messages, intents only."
            if results[winner]["blind"] else "ABSENT - macro-F1 not measured on it.")
         + f" Second real sample: {results[winner]['heldout2_n']['propose']} petition titles, "
         f"{results[winner]['heldout2_n']['out_of_scope']} everyday utterances"
         + (" (no petition title was left under the held-out filters: every one is in an earlier sample or the "
            "linear model's pool, so propose recall is not measured on never-scored titles; the verdict takes the "
            "titles of real_heldout.yml and real_fresh.yml together: "
            f"{_propose_verdict_recall(results[winner]):.3f} on "
            f"{results[winner]['n_real_propose'] + results[winner]['fresh_n']['propose']} titles)."
            if not results[winner]["heldout2_n"]["propose"] else ".")),
        "",
        (f"Old held-out scorings: this is scoring number {HELDOUT_SCORINGS} of nlu/eval/real_heldout.yml and "
         "nlu/eval/test.yml in this week-end's development sessions (the earlier ones are in the history of "
         "docs/nlu.md, the last before this one at 2026-11-22 09:52 UTC); every choice between them was made on the dev "
         "draws (nlu/eval/dev_real.yml, nlu/eval/dev_hand.yml), and the more often the held-out files are scored, the "
         "less they are held out."),
        "",
        ("Training data: nlu/data/ (hand-written + a real sample, bench/sample_nlu_data.py). Held-out, never trained on: "
         f"nlu/eval/test.yml ({results[winner]['n_test']} hand-written messages, all intents, entity annotations) and "
         f"nlu/eval/real_heldout.yml ({results[winner]['n_real_propose']} real petition titles about living problems, "
         f"{results[winner]['n_real_oos']} real everyday utterances). Pipeline and policies: config.yml "
         f"(FallbackClassifier threshold {configured['threshold']})."),
        "",
        "## Analyzer comparison",
        "",
        ("| analyzer | train s | macro-F1 (blind) | propose recall (heldout2) | out_of_scope recall (heldout2) | "
         "parse p50 ms | parse p95 ms | targets met | old: intent acc (test) | old: macro-F1 (test) | "
         "old: macro-F1 (test, fallback ok for OOS) | old: entity F1 (micro) | old: propose recall (real) | "
         "old: out_of_scope recall (real) | old: propose recall (fresh) | old: out_of_scope recall (fresh) |"),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        if run.error:
            lines.append(f"| {run.analyzer} | failed: {run.error} | | | | | | | | | | | | | | |")
            continue
        r = results[run.analyzer]
        lines.append(
            f"| {run.analyzer}{' (winner)' if run.analyzer == winner else ''} | {run.train_s:.0f} | "
            f"{_blind_cell(r)} | {_recall_cell(r['heldout2']['propose'], r['heldout2_n']['propose'])} | "
            f"{_recall_cell(r['heldout2']['out_of_scope'], r['heldout2_n']['out_of_scope'])} | "
            f"{r['p50']:.1f} | {r['p95']:.1f} | {targets_met(r)}/{len(TARGETS)} | "
            f"{r['intents']['accuracy']:.3f} | {r['intents']['macro_f1']:.3f} | {r['lenient']['macro_f1']:.3f} | "
            f"{r['entities']['micro_f1']:.3f} | {r['propose_recall']:.3f} | {r['oos_recall']:.3f} | "
            f"{_fresh(r, 'propose')} | {_fresh(r, 'out_of_scope')} |")
    for reason in skipped:
        lines.append(f"\nSkipped: {reason}")
    r = results[winner]
    lines += [
        "",
        ("Targets (verdict rule since 2026-11-22): macro-F1 ≥ 0.95 on nlu/eval/test_blind.yml; out_of_scope recall "
         "≥ 0.95 on the everyday utterances of nlu/eval/real_heldout2.yml; propose recall ≥ 0.97 on its petition "
         "titles, or, while it has none (the filtered petition pool is used up by the earlier samples and the linear "
         "stage's pool), on the titles of real_heldout.yml and real_fresh.yml together (never trained on, but scored "
         "before); parse p95 ≤ 30 ms. A target whose file (or side of it) is absent or empty is "
         "not met: n/a. The other columns marked old are the files scored many times before (test.yml, "
         "real_heldout.yml, real_fresh.yml), reported beside the verdict. The winner meets the most targets, then has "
         "the highest blind macro-F1 (old test.yml's without the blind file) to two decimals, then the fastest p95. "
         "Parse time is the in-process `Agent.parse_message` time per "
         f"message, {r['n_parsed']} messages after a warm-up. DIET runs with a fixed random seed (config.yml)."),
        "",
        "Targets met by the winner: " + ", ".join(f"{name} {_verdict(check(r))}"
                                                  for name, check in TARGETS.items()) + ".",
        "",
        f"## Details for {winner}",
        "",
        *(hand_lines(r["blind"], "Blind hand-written set (nlu/eval/test_blind.yml)") if r["blind"] else
          ["Blind hand-written set: nlu/eval/test_blind.yml is absent, not scored."]),
        "",
        ("Second real held-out sample (nlu/eval/real_heldout2.yml): propose recall "
         f"{_recall_cell(r['heldout2']['propose'], r['heldout2_n']['propose'])} (misses: "
         f"{_counter(r['heldout2_misses']['propose'])}); out_of_scope recall "
         f"{_recall_cell(r['heldout2']['out_of_scope'], r['heldout2_n']['out_of_scope'])} (with the fallback: "
         + (f"{r['heldout2']['out_of_scope'][1] / r['heldout2']['out_of_scope'][2]:.3f}"
            if r["heldout2_n"]["out_of_scope"] else "n/a")
         + f"; misses: {_counter(r['heldout2_misses']['out_of_scope'])}). Recall by source: "
         + (", ".join(f"{o} {hit / max(1, n):.3f} ({hit}/{n})" for o, (hit, n) in r["heldout2_by_origin"].items())
            or "none") + "."),
        "",
        (f"Old hand-written held-out set (nlu/eval/test.yml): accuracy {r['intents']['accuracy']:.3f}, macro-F1 {r['intents']['macro_f1']:.3f} "
         f"(counting nlu_fallback as right for out_of_scope: {r['lenient']['macro_f1']:.3f})."),
        "",
        *prf_table(r["intents"]["rows"]),
    ]
    lines += ["", "Top confusion pairs (gold → predicted, count):", "", *confusion_lines(r["intents"]["confusion"], 8)]
    lines += ["", "Entities (a hit needs the same type and canonical value on an overlapping span):", "",
              *prf_table(r["entities"]["rows"], "entity")]
    lines += [
        "",
        f"Real held-out text: propose recall {r['propose_recall']:.3f} on {r['n_real_propose']} petition titles "
        f"(misses: {_counter(r['propose_misses'])}); out_of_scope recall {r['oos_recall']:.3f} on {r['n_real_oos']} "
        f"everyday utterances (out_of_scope or nlu_fallback: {r['oos_or_fallback']:.3f}; misses: "
        f"{_counter(r['oos_misses'])}). Recall by source: "
        + ", ".join(f"{o} {hit / max(1, n):.3f} ({hit}/{n})" for o, (hit, n) in r["by_origin"].items()) + ".",
        "",
        (f"Fresh held-out text (nlu/eval/real_fresh.yml, scoring number {FRESH_SCORINGS}; drawn after every other "
         "sample, its petition titles from the categories no other sample reads; scoring 1 came before the rest of those "
         "titles joined the linear model's pool, scoring 2 before the subject examples, scoring 3 before the per-intent blend weights): propose recall "
         f"{_fresh(r, 'propose')}, out_of_scope recall {_fresh(r, 'out_of_scope')}."),
        "",
        "## FallbackClassifier threshold (what-if on the same held-out predictions)",
        "",
        ("Below the threshold a message becomes nlu_fallback (the help menu with buttons). `in-scope answered`: "
         "in-scope held-out messages with the right intent above the threshold; `OOS caught`: real and hand-written "
         "out_of_scope messages that get out_of_scope or the fallback."),
        "",
        ("| threshold | macro-F1 (test) | macro-F1 (all, fallback ok for OOS) | in-scope answered | in-scope → fallback | "
         "OOS caught |"),
        "|---|---|---|---|---|---|",
    ]
    for s in r["sweep"]:
        mark = " (configured)" if abs(s["threshold"] - configured["threshold"]) < 1e-9 else ""
        lines.append(f"| {s['threshold']:.1f}{mark} | {s['macro_f1_test']:.3f} | {s['lenient_macro_f1_all']:.3f} | "
                     f"{s['in_scope_answered']:.3f} | {s['in_scope_fallback']:.3f} | {s['oos_caught']:.3f} |")
    return "\n".join(lines) + "\n"


def _heldout2_recall(r: dict, intent: str) -> float | None:
    hit, _, n = r["heldout2"][intent]
    return hit / n if r["heldout2_n"][intent] else None


def _propose_verdict_recall(r: dict) -> float | None:
    """Propose recall on real_heldout2.yml; when it has no titles (the filtered petition pool is used up by the earlier
    samples and the linear stage's pool), on the titles of real_heldout.yml and real_fresh.yml together: never
    trained on, though scored before."""
    if r["heldout2_n"]["propose"]:
        return _heldout2_recall(r, "propose")
    hit, n = r["fresh"]["propose"][0], r["fresh_n"]["propose"]
    total = r["n_real_propose"] + n
    return (r["propose_recall"] * r["n_real_propose"] + hit) / total if total else None


def _at_least(value: float | None, target: float) -> bool | None:
    return None if value is None else value >= target


# The verdict: each check gives True, False or None (its file or side absent or empty: not measured, not met).
TARGETS = {"macro-F1 ≥ 0.95 (test_blind.yml)":
           lambda r: _at_least(r["blind"]["macro_f1"] if r["blind"] else None, 0.95),
           "propose recall ≥ 0.97 (real_heldout2.yml, else real_heldout.yml + real_fresh.yml)":
           lambda r: _at_least(_propose_verdict_recall(r), 0.97),
           "out_of_scope recall ≥ 0.95 (real_heldout2.yml)":
           lambda r: _at_least(_heldout2_recall(r, "out_of_scope"), 0.95),
           "parse p95 ≤ 30 ms": lambda r: r["p95"] <= 30.0}


def targets_met(r: dict) -> int:
    return sum(check(r) is True for check in TARGETS.values())


def _verdict(ok: bool | None) -> str:
    return "n/a (not measured)" if ok is None else "yes" if ok else "NO"


def _blind_cell(r: dict) -> str:
    return f"{r['blind']['macro_f1']:.3f}" if r["blind"] else "n/a (no file)"


def _macro_for_ranking(r: dict) -> float:
    """The winner's second key: blind macro-F1, or the old test.yml's when the blind file is absent."""
    return r["blind"]["macro_f1"] if r["blind"] else r["intents"]["macro_f1"]


def _counter(c: Counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in c.most_common()) or "none"


def configured_fallback(base: Path) -> dict:
    config = yaml.safe_load(base.read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] == "FallbackClassifier":
            return {"threshold": float(component.get("threshold", 0.3))}
    return {"threshold": 0.0}


def quiet_logs() -> None:
    """Rasa's structlog prints every parsed text at debug level unless configured: held-out rows of the shared data
    must never reach a log, so only warnings are let through."""
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    for name in ("rasa", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.ERROR)


def show_errors(examples: list[Example], run: Run) -> None:
    """Print the hand-written held-out messages the model got wrong (never the real ones: those are shared data)."""
    for ex, pr in zip(examples, run.predictions):
        if ex.source != "test":
            continue
        if ex.intent != pr.intent:
            print(f"   intent {ex.intent} -> {pr.intent} ({pr.raw_intent} {pr.confidence:.2f}): {ex.text}")
        if set(ex.entities) != set(pr.entities):
            print(f"   entities {sorted(ex.entities)} -> {sorted(pr.entities)}: {ex.text}")


def _folds(text: str) -> int:
    """An argparse type: a number of folds (2 or more), or a clear usage error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError("at least 2 folds are needed")
    return value


def _json_object(text: str) -> dict:
    """An argparse type: a JSON object, or a clear usage error instead of a traceback."""
    import json

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("a JSON object is needed, e.g. {\"propose\": 0.5}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train on nlu/data, evaluate on held-out data, compare analyzers.")
    parser.add_argument("--analyzers", default=",".join(ANALYZERS))
    parser.add_argument("--budget-min", type=float, default=30.0, help="skip analyzers that would start later")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/nlu.md alone")
    parser.add_argument("--show-errors", action="store_true", help="print the hand-written messages it got wrong")
    parser.add_argument("--blind-test", type=Path, default=BLIND_FILE,
                        help="the blind hand-written intent-only file the macro-F1 target is judged on "
                             "(absent: the report says so)")
    parser.add_argument("--keep-models", type=Path, help="copy the trained models to this folder (development)")
    parser.add_argument("--config", type=Path, default=CONFIG, help="a variant of config.yml to try (development)")
    parser.add_argument("--train-data", type=Path, default=TRAIN_DATA, help="a variant of nlu/data (development)")
    parser.add_argument("--tune-threshold", action="store_true",
                        help="sweep the fallback threshold on a dev split of the training data (first analyzer)")
    parser.add_argument("--dev", action="store_true",
                        help="development: evaluate the first analyzer on nlu/eval/dev_real.yml only (no held-out)")
    parser.add_argument("--show-dev-misses", action="store_true", help="with --dev: the dev texts it got wrong, cut")
    parser.add_argument("--dump-rankings", type=Path,
                        help="with --dev or --tune-threshold: write the dev texts' intent rankings (JSON, for /tmp)")
    parser.add_argument("--blend-from", type=Path,
                        help="development: blend a dumped DIET-only dev run with the linear model, no retraining")
    parser.add_argument("--weights", default="0,0.2,0.3,0.4,0.5,0.6,0.7", help="with --blend-from")
    parser.add_argument("--linear", default={}, type=_json_object,
                        help="with --blend-from: LinearIntentModel settings (JSON)")
    parser.add_argument("--pool-limits", default=None, type=_json_object,
                        help='with --blend-from: JSON {"petitions": n, ...} of pool rows to use, {} for none')
    parser.add_argument("--log-prior", default={}, type=_json_object,
                        help='with --blend-from: JSON {"propose": 0.5}, the linear model\'s log prior shifts')
    parser.add_argument("--intent-weights", default={}, type=_json_object,
                        help='with --blend-from: JSON {"propose": 0.7, ...}, per-intent blend weights')
    parser.add_argument("--subject-folds", type=_folds, metavar="K",
                        help="development: leave-subject-out on the linear stage (K folds over the dev titles' "
                             "subjects; settings from --linear, prior from --log-prior; dev only, no DIET)")
    parser.add_argument("--subject-seed", type=int, default=11, help="with --subject-folds: seed of the subject split")
    parser.add_argument("--threshold", type=float, help="with --blend-from (default: config.yml's)")
    parser.add_argument("--ambiguity", type=float, default=0.05, help="with --blend-from: ambiguity_threshold")
    args = parser.parse_args(argv)
    quiet_logs()
    if args.subject_folds:
        return subject_folds(args.train_data, args.linear, args.log_prior, args.subject_folds, args.subject_seed)
    if args.blend_from:
        return blend_from(args.blend_from, args.train_data, args.linear, args.pool_limits,
                          [float(w) for w in args.weights.split(",")],
                          args.threshold if args.threshold is not None else configured_fallback(args.config)["threshold"],
                          args.ambiguity, args.log_prior, args.intent_weights)
    if args.dev:
        return eval_dev(args.analyzers.split(",")[0].strip(), args.config, args.train_data, args.show_dev_misses,
                        args.dump_rankings)
    if args.tune_threshold:
        return tune_threshold(args.analyzers.split(",")[0].strip(), args.config, args.train_data, args.dump_rankings)

    started = time.perf_counter()
    synonyms, train_keys = training_synonyms_and_texts(args.train_data)
    examples = load_examples(synonyms, args.blind_test)
    leaked = held_out_leaks(examples, train_keys)
    if leaked:
        print(f"error: {len(leaked)} held-out messages also occur in nlu/data (held-out must never be trained on)",
              file=sys.stderr)
        return 1
    dev_keys = {_key(e.text) for e in intent_examples(DEV_FILE, "dev")} if DEV_FILE.exists() else set()
    dev_keys |= {_key(e.text) for f in DEV_HAND_FILES if f.exists() for e in intent_examples(f, "dev-handfile")}
    blind_in_train = sum(e.source == "blind" and _key(e.text) in train_keys for e in examples)
    blind_in_dev = sum(e.source == "blind" and _key(e.text) in dev_keys for e in examples)
    real2_in_dev = sum(e.source == "real2" and _key(e.text) in dev_keys for e in examples)
    if real2_in_dev:
        print(f"error: {real2_in_dev} texts of {HELDOUT2_FILE.relative_to(ROOT)} occur in the dev files",
              file=sys.stderr)
        return 1
    print(f"held-out: {sum(e.source == 'blind' for e in examples)} blind hand-written "
          f"({args.blind_test if args.blind_test.exists() else 'absent'}; {blind_in_train} also in nlu/data, "
          f"{blind_in_dev} also in the dev files), {sum(e.source == 'real2' for e in examples)} real (second sample); "
          f"old: {sum(e.source == 'test' for e in examples)} hand-written, "
          f"{sum(e.source == 'real' for e in examples)} real, {sum(e.source == 'fresh' for e in examples)} fresh; "
          "none of the real ones in the training data")

    runs: list[Run] = []
    results: dict[str, dict] = {}
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="eval-nlu-") as tmp:
        for analyzer in [a.strip() for a in args.analyzers.split(",") if a.strip()]:
            elapsed_min = (time.perf_counter() - started) / 60
            if runs and elapsed_min > args.budget_min * 0.75:
                skipped.append(f"{analyzer} not run: {elapsed_min:.1f} min used of the {args.budget_min} min budget")
                print(skipped[-1])
                continue
            print(f">> {analyzer}: training and parsing {len(examples)} held-out messages")
            try:
                run = train_and_parse(analyzer, examples, Path(tmp), args.config, args.train_data)
            except Exception as exc:  # noqa: BLE001 - one broken backend must not hide the others' figures
                run = Run(analyzer, error=f"{type(exc).__name__}: {exc}")
            runs.append(run)
            if args.keep_models and not run.error:
                args.keep_models.mkdir(parents=True, exist_ok=True)
                for model in (Path(tmp) / analyzer).glob("*.tar.gz"):
                    shutil.copy(model, args.keep_models / model.name)
            if not run.error:
                results[analyzer] = summarize(run, examples)
                r = results[analyzer]
                if args.show_errors:
                    show_errors(examples, run)
                print(f"   train {run.train_s:.0f} s; blind macro-F1 {_blind_cell(r)}, heldout2 propose "
                      f"{_recall_cell(r['heldout2']['propose'], r['heldout2_n']['propose'])}, OOS "
                      f"{_recall_cell(r['heldout2']['out_of_scope'], r['heldout2_n']['out_of_scope'])}, p95 "
                      f"{r['p95']:.1f} ms; old: macro-F1 {r['intents']['macro_f1']:.3f}, propose recall "
                      f"{r['propose_recall']:.3f}, OOS recall {r['oos_recall']:.3f}; fresh "
                      f"sample: propose {_fresh(r, 'propose')}, OOS {_fresh(r, 'out_of_scope')}")
            else:
                print(f"   failed: {run.error}")
    if not results:
        print("error: no analyzer produced a model", file=sys.stderr)
        return 1
    winner = max(results, key=lambda a: (targets_met(results[a]), round(_macro_for_ranking(results[a]), 2),
                                         -results[a]["p95"]))
    configured = {**configured_fallback(args.config), "load": " / ".join(f"{x:.1f}" for x in os.getloadavg())}
    report = markdown(runs, results, winner, configured, skipped)
    print(report)
    if not args.no_write:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(report + NOTES, encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}; total {(time.perf_counter() - started) / 60:.1f} min")
    return 0


NOTES = """
## The files the targets are judged on (from 2026-11-22 13:08 UTC)

- Why: nlu/eval/test.yml (188 messages, 8 per small intent: one message moves a recall by 0.125) and
  nlu/eval/real_heldout.yml (300 texts per side) had been scored 11 times, nlu/eval/real_fresh.yml 5 times, and the
  margins left over the targets were one to three texts. Decision (lead): the issue's targets are judged on NEW
  files, each scored once by the lead; the old files stay in the table as the columns marked old.
- nlu/eval/test_blind.yml: hand-written messages, intents only (no entity annotations), written blind (without the
  training data, the dev files or the model's errors) by other engineers, 25 per intent each; never opened by the
  engineers who tune the NLU. The first blind file (engineer T2; 98 messages equal to a training or dev message
  dropped, 202 left) was scored once (2026-11-22 13:08-13:21) and then became development data,
  nlu/eval/dev_hand2.yml. The second (engineers T3 and T4, 600 messages written at 15:05 UTC, committed before any
  scoring) replaced it: the lead dropped the 225 messages equal (up to spacing, punctuation and case) to a training
  message, a dev message or an earlier message of the file - mostly short greetings, yes/no answers and thanks - so
  375 unseen messages remain (13-49 per intent). It was scored once (2026-11-22 15:45-15:58, mecab 0.913) and then
  became development data too, nlu/eval/dev_hand3.yml. The third (engineers T5 and T6, 600 messages written
  18:29-18:31 UTC, 194 repeats dropped the same way, 406 left, committed d557b5a before any scoring) was scored
  once (2026-11-22 19:34-19:50, mecab 0.846; see the ninth round's notes) and then became development data too,
  nlu/eval/dev_hand4.yml (406). The fourth (engineers T7 and T8: Jeolla dialect and voice typing; office workers,
  shop owners, parents and foreign residents with simple Korean; 600 messages written 21:26-21:28 UTC, 214 repeats
  dropped the same way, 386 left, committed a08a73f before any scoring) was scored once after the tenth round
  (2026-11-22 22:15-22:31, mecab 0.909; see the tenth round's notes) and then became development data too,
  nlu/eval/dev_hand5.yml. The fifth (engineers T9 and T10: people in their 60s-80s on voice input and adult children
  typing for them; students, night-shift workers and gamers; a neighbourhood association leader in official style;
  600 messages written 22:37-22:40 UTC, 227 repeats dropped the same way, 373 left, committed 550fa38 before any
  scoring) was scored once after the eleventh round (2026-11-22 23:12-23:25, mecab 0.907; see the eleventh round's
  notes) and then became development data too, nlu/eval/dev_hand6.yml. The sixth (engineers T11 and T12: delivery
  riders, drivers, factory workers and farmers typing fast; people with disabilities and their caregivers, care
  workers, volunteer groups and newly-weds in letter-style 합쇼체; 600 messages written 2026-11-23 00:44-00:47 UTC,
  merged by `python -m bench.merge_blind nlu` after the twelfth round's training data: 261 repeats dropped, 339
  left, committed 6a6ffa5 before any scoring) was scored once (2026-11-23 01:30-01:44, kiwi 0.957, mecab 0.964; see
  the twelfth round's notes) and then became development data too, nlu/eval/dev_hand7.yml: until a seventh blind
  file is written, test_blind.yml is absent and the report says the macro-F1 target is not measured (n/a). `--blind-test F` (default that file): accuracy, macro-F1, per-intent table, confusion
  pairs; absent -> the report says so and the macro-F1 target is n/a. A blind message that also occurs in nlu/data
  (a short common message such as 안녕하세요 written independently) is counted and printed, not refused.
- nlu/eval/real_heldout2.yml: drawn by `python -m bench.sample_nlu_data` AFTER every other sample and pool
  (HELDOUT2_SIZES, seeds of its own), so every earlier file stayed byte-identical (checked with md5sum). Out of
  scope: 500 ChatbotData + 500 3i4k utterances (the first held-out sample's 1:1 mix, same filters). Propose:
  **0 petition titles** - under the held-out filters (categories 교통/건축/국토, 안전/환경, 반려동물, a LIVING keyword,
  no NATIONAL keyword, 6-80 characters) every title is already in the held-out, dev or training sample or in the
  linear model's pool (1,176 + 1,539 titles), the other categories likewise (fresh sample + pool), and
  bluehouse_2020.jsonl adds 9 titles, none passing the filters. Only 199 titles fail the length filter alone (183
  shorter than 6 characters). Freeing titles would mean moving part of the linear pool into a new held-out file,
  which changes the shipped model; not done this session. So propose recall is judged on the 600 titles of
  real_heldout.yml and real_fresh.yml together (never trained on, but scored 11 and 5 times before).
- Verdict rule: macro-F1 ≥ 0.95 on test_blind.yml; out_of_scope recall ≥ 0.95 on real_heldout2.yml; propose
  recall ≥ 0.97 on real_heldout2.yml's titles, or while it has none on those of real_heldout.yml + real_fresh.yml;
  parse p95 ≤ 30 ms. A target without its file or side is not met (n/a). BLIND_SCORINGS and
  HELDOUT2_SCORINGS (bench/eval_nlu.py) count the scorings in the report; the lead bumps them before each.
- The leak check refuses to run when a text of real_heldout2.yml occurs in nlu/data or in a dev file;
  tests/rasa/test_eval_nlu.py checks the draw (disjoint from every other sample, reproducible) and the verdict
  plumbing with fake predictions (no training).
- Dev of the same kinds: the spent blind files nlu/eval/dev_hand4.yml (406), dev_hand5.yml (386), dev_hand6.yml
  (373) and dev_hand7.yml (339); chosen on,
  never trained on: `--dev` reports their macro-F1 (together and per file), per-intent table and confusions, and how
  many of their messages also occur in the training data) and nlu/eval/dev_real.yml. The three oldest hand-written
  sets became training data, entities annotated and messages equal to a training, dev or held-out message left out:
  dev_hand.yml (300 messages, engineer T1) and dev_hand2.yml (202, the first blind file) in the tenth round
  (nlu/data/hand_written.yml, hand_written2.yml), dev_hand3.yml (375, the second blind file) in the eleventh
  (nlu/data/hand_written3.yml). The twelfth round added three files written for training by new writers, blind to
  the repository (nlu/data/hand_written_d1/d2/d3.yml).

## How the data is made

- Intents and entities are the contract in bot/domain/_shared.yml. Entities: `district` (동구, 서구, 남구, 북구, 광산구;
  variants such as 광산, 북구청, 광주 북구 map to these), `place` (dongs, streets, landmarks, apartments), `receipt_id`
  (regex; the value is always canonical `GJ-<year>-<6 digits>`), `topic` (canonical program names: 데이터센터,
  인공지능 사관학교, AI 대학원, 창업, 실증, 집적단지, 1단계 사업, 2단계 사업, 사업단, 비전, 데이터 협약, 시민참여, 월요대화,
  인재 양성). Synonyms and lookup tables: nlu/data/entities.yml.
- Hand-written training data: nlu/data/programs.yml (ask_program), proposals.yml (propose, check_status,
  support_proposal), smalltalk.yml, out_of_scope.yml. Styles: 존댓말, 반말, no spacing, typos, slang (데센, ㅇㅇ, ㄴㄴ),
  English mixed in (AI, GIST, GPU), long multi-sentence complaints, short follow-ups (그럼 2단계는요?, 위치는?).
- Real text: `python -m bench.sample_nlu_data` (fixed seed) draws petition titles of the categories a city deals with
  that name a concrete living problem (and not national politics or crime cases) for propose, and everyday
  utterances of ChatbotData and 3i4k (without greetings, thanks, yes/no, help, bot questions or civic topics) for
  out_of_scope. The held-out sample is drawn first (its sizes and nlu/eval/real_heldout.yml never change), then a
  DEV sample (500 petition titles, 300 ChatbotData, 300 3i4k utterances; nlu/eval/dev_real.yml, never trained on,
  taken from its own fixed permutation so that it does not move when the training sizes change; 200 titles at first,
  the same 200 plus 300 more now), then the training sample (1,100 petition titles, 900 ChatbotData and 1,500 3i4k
  utterances; 900/450/900 and 300/150/300 earlier; the larger draws of the table below were reverted). Only counts
  are printed, never rows.
- Follow-ups about a program with a deictic or an elliptical form (거기/그곳/그 학교/그 센터/그건/그럼 ... 예산은?,
  언제?, 어디?, 몇 명?, 누가?) are ask_program: the knowledge action answers them with the conversation's last topic.
  After the real sample grew, such a follow-up was classified out_of_scope (tests/app/test_knowledge_e2e.py), so
  ~50 varied ones were added to programs.yml (not the test's sentence), and tests/rasa/test_hard_cases.py checks 10
  new ones against the trained model (at most 2 wrong).
- Hand-written hard cases (training only): everyday statements and questions that mention a bus, a park, the
  weather or AI but are no complaint (out_of_scope.yml, last block), problems stated plainly or as petition titles
  (the last 55 propose examples of proposals.yml), and more variants of check_status, help, greet, goodbye, affirm
  and bot_challenge so that the real everyday utterances do not swamp the small intents. tests/rasa/
  test_hard_cases.py checks new hard cases of both kinds against the trained model (at most 2 of 10 wrong per kind);
  it failed once (4 of its 10 everyday statements -> propose), after which 30 more everyday statements of the same
  kind, none of them the test's own sentences (the test checks that), were added to out_of_scope.yml.
- A last out_of_scope block of ~110 hand-written everyday utterances of the kinds the real corpora hold (requests to
  someone else, plain statements about things, personal discomforts and worries, fragments); written without
  copying or paraphrasing dev or held-out rows, and none equal to a row of the ChatbotData/3i4k pools (checked, so
  the held-out and dev draws stay as they are).
- Held-out data is never trained on: the evaluation refuses to run if a held-out message occurs in nlu/data.
  Disclosure: in this session's development runs the hand-written held-out misses were printed (`--show-errors`)
  once, before the in-scope variants above were written; none of them was copied or paraphrased into nlu/data.
  The real held-out rows were never printed.

## out_of_scope recall work (dev sample only, 2026-11-22)

The held-out files were not read while choosing the changes below: each step was measured with
`python -m bench.eval_nlu --analyzers kiwi --dev` (kiwi, trained on the full nlu/data, evaluated on the 800 texts of
nlu/eval/dev_real.yml; FallbackClassifier 0.35). Load average 3-5 on 2 cores during all of these runs.

| step | OOS recall dev (strict) | OOS or fallback | 3i4k / chatbot strict | propose recall dev | DIET train s (load) |
|---|---|---|---|---|---|
| before (900/450/900 sample, 40 epochs) | 0.943 | 0.945 | 0.940 / 0.947 | 0.965 | 236 (3.3) |
| training sample 1,100/900/1,500 + ~90 hand-written everyday utterances | 0.965 | 0.967 | 0.960 / 0.970 | 0.975 | 304 (3.8) |
| same + char n-grams min_df 2 (not kept: lower, not faster) | 0.955 | 0.963 | 0.947 / 0.963 | 0.975 | 327 (4.3) |
| + 20 more hand-written, DIET 30 epochs (shipped) | 0.965 | 0.967 | 0.957 / 0.973 | 0.975 | 289 (3.9) |

The dev sample is easier than the held-out one (before: 0.943 dev vs 0.893 held-out), so dev gains are an upper
bound; the held-out figures at the top of this page are the ones that count.

## propose recall work: class balance (dev sample only, 2026-11-22, second round)

The 01:09 UTC evaluation missed propose recall (0.963 held-out, 0.975 on the 200 dev titles: one title = 0.5%), so
the dev petition sample was enlarged to 500 (held-out file unchanged, dev still disjoint from training) and the
class balance was varied; DIET 30 epochs, kiwi, FallbackClassifier 0.30, the ~50 follow-ups above in every row.
Each row is one `python -m bench.eval_nlu --analyzers kiwi --dev [--train-data variant]` run (1,100 dev texts), two
runs at a time, load average 2-7 on 2 cores. Rule fixed before the last pair: the highest min(propose, OOS) recall.

| training sample (petitions / ChatbotData / 3i4k) | propose recall dev (500) | OOS recall dev (600) | OOS or fallback | DIET train s |
|---|---|---|---|---|
| 1,700 / 900 / 1,500 | 0.956 | 0.962 | 0.968 | 498 |
| 1,700 / 900 / 1,100 (fewer out_of_scope rows) | 0.962 | 0.948 | 0.953 | 461 |
| 2,000 / 900 / 1,500 | 0.960 | 0.945 | 0.953 | 335 |
| 2,276 (all left) / 900 / 1,500 | 0.978 | 0.947 | 0.958 | 530 |
| same, DIET 50 epochs (not kept) | 0.958 | 0.948 | 0.952 | 711 |
| 2,276 / 900 / 2,000 (chosen on dev, then reverted) | 0.974 | 0.968 | 0.975 | 369 |

Run-to-run noise is about ±0.01 here (2,000 titles came out below 1,700 on both recalls), so only the last row's
lead on both columns at once is taken as a result. DIET's balanced batches already even out the classes, which is
why fewer out_of_scope rows did not buy much propose recall; more data of both kinds did. Not tried for lack of
time: class weights (DIET in Rasa 3.6 has none; only the batch strategy).

The held-out run with the chosen row (2026-11-22 02:02 UTC, scoring 3) went the other way: kiwi macro-F1 0.947,
propose 0.967, out_of_scope 0.937 (the 01:09 run with 1,100 / 900 / 1,500: 0.957 / 0.963 / 0.950), and `make train`
took 5 min 51 s (target 3 min; machine loaded). The dev gains did not carry over and the training-time target broke,
so the lead reverted the training draw to 1,100 / 900 / 1,500 and kept the rest of the round (the 500-title dev
sample, the follow-ups, the NoWordsGuard fix for letters of other scripts). The figures at the top of this page are
from the run after that revert (scoring 4). After scoring 4, 20 English-only everyday sentences were added to
out_of_scope (nlu/data/out_of_scope.yml, last block): with the reverted draw an English sentence came out as thanks
in tests/rasa/test_bad_input.py. That model has not been scored on the held-out files.

## Second stage: a linear intent classifier blended with DIET (dev only, 2026-11-22, third round)

DIET alone had stopped moving (class balance and data size within ±0.01 on dev) and more training rows cost
minutes. `nlu.rasa_components.LinearIntentClassifier` (model in nlu/linear_intents.py: TF-IDF of spacing-free
character 1-3-grams and kiwi lemma 1-2-grams, SGD log-loss, class_weight balanced, fixed seed; persisted as JSON +
npz, no pickle) runs right after DIET, trains in seconds on nlu/data plus nlu/pool/real_pool.yml (real text DIET
never reads; `bench.sample_nlu_data` draws it after the held-out, dev and training samples, which stay
byte-identical) and rewrites `intent` / `intent_ranking` with (1 - weight) * DIET + weight * linear, so the
FallbackClassifier and the policies see the blend. Its `fingerprint_addon` is the pool's sha256 (a new pool
retrains); NoWordsGuard still has the last word on messages without words.

How it was chosen: one DIET-only run per dev set wrote its rankings (`python -m bench.eval_nlu --analyzers kiwi
--dev --dump-rankings F`, and `--tune-threshold --dump-rankings F` for the hand-written dev split), then
`python -m bench.eval_nlu --blend-from F [--weights ..] [--pool-limits ..] [--linear ..] [--threshold ..]` blended
them with linear models of each setting without retraining DIET (weight 0 reproduces the DIET run exactly). Dev
real = 500 titles + 600 everyday utterances of nlu/eval/dev_real.yml; hand = the 20% hand-written split of
--tune-threshold (its DIET lacks that 20%, so its macro-F1 is lower than held-out's). FallbackClassifier 0.30,
ambiguity 0.05. Load average 2-7 on 2 cores throughout. Rule: the highest min(propose, OOS) recall on both dev
runs, hand-written macro-F1 and ask_program F1 not lower than DIET alone beyond one example.

| linear model pool (petitions / ChatbotData / 3i4k) | weight | propose dev | OOS dev | propose (tune run) | OOS (tune run) | hand macro-F1 | ask_program F1 |
|---|---|---|---|---|---|---|---|
| DIET alone (no second stage) | 0 | 0.942 | 0.960 | 0.954 | 0.967 | 0.807 | 0.907 |
| 1,176 / 3,000 / 6,000 | 0.3 | 0.944 | 0.968 | 0.952 | 0.972 | 0.818 | 0.907 |
| 1,176 / 3,000 / 6,000 | 0.4 | 0.946 | 0.975 | 0.950 | 0.978 | 0.813 | 0.907 |
| 1,176 / 3,000 / 6,000 | 0.5 | 0.944 | 0.982 | 0.948 | 0.983 | 0.773 | 0.891 |
| 1,176 / 3,000 / 6,000 | 0.6 | 0.928 | 0.990 | 0.936 | 0.990 | 0.747 | 0.879 |
| 1,176 / 500 / 1,000 | 0.6 | - | - | 0.956 | 0.983 | 0.813 | 0.916 |
| 1,176 / 300 / 600 | 0.7 | 0.956 | 0.980 | 0.962 | 0.978 | 0.811 | 0.899 |
| 0 / 0 / 0 (nlu/data only) | 0.6 | 0.954 | 0.975 | - | - | - | - |
| 1,176 / 0 / 0 | 0.6 | 0.952 | 0.980 | 0.958 | 0.977 | 0.827 | 0.901 |
| **1,176 / 0 / 0 (shipped)** | **0.7** | **0.960** | **0.978** | **0.966** | **0.978** | **0.834** | **0.901** |
| 1,176 / 0 / 0 | 0.8 | 0.960 | 0.977 | 0.964 | 0.977 | 0.829 | 0.879 |
| 1,176 / 0 / 0 | 0.9 | 0.960 | 0.975 | 0.958 | 0.980 | 0.809 | 0.868 |

- Features hardly matter (full pool, weights 0.3-0.6, dev): SGD alpha 1e-4 / 3e-5 / 1e-5 / 3e-6, char 1-3 vs 1-4 vs
  2-4, with or without lemmas all within ±0.006 of each other. lbfgs logistic regression: same dev recalls as SGD
  alone, 33 s to fit instead of ~3 s (load 6). Kept: char 1-3 + lemmas, alpha 1e-5.
- Everyday rows in the pool raise OOS recall a little and lower propose recall at every weight (class_weight
  balanced cannot undo the shift of borderline titles), so the pool holds only the ~1,176 petition titles left
  after the other samples; the linear model still sees the 2,400 real everyday rows of nlu/data.
- FallbackClassifier re-checked on the blend (tune run, weight 0.7): threshold 0.3 / 0.4 / 0.5 / 0.6 gives hand
  macro-F1 0.834 / 0.835 / 0.827 / 0.802 and in-scope → fallback 0.015 / 0.020 / 0.040 / 0.120: 0.3 stays.
  ambiguity_threshold 0.05 / 0.02 / 0 moved propose by at most 2 titles: 0.05 stays.
- End to end with capped vocabularies (next point), the second stage (weight 0.7) and DIET still at 30 epochs,
  trained by Rasa, no offline blending: dev run propose 0.958 (0.968 counting the fallback), out_of_scope 0.978 (0.980),
  parse p50 16.0 / p95 25.6 ms (load 5.1); tune run propose 0.968, OOS 0.977, hand macro-F1 0.842 (DIET alone
  0.807), ask_program F1 0.901 (0.907: one message), in-scope → fallback 0.010; its threshold sweep kept 0.30
  (mean 0.926; 0.45-0.50: 0.927 with 2-4% of in-scope messages sent to the fallback instead of 0%).
- Training time. A `rasa train --debug` of the old pipeline (timestamps per component, load 5-7): start-up and data
  21 s, tokenizer 5 s, featurizers 20 s, DIET 4 min 50 s, linear model 3 s, packaging 14 s: DIET is ~80%. Its
  input layers grow with the CountVectors vocabularies (~26k lemma + ~66k char_wb n-grams on nlu/data), so they are
  capped at 10,000 + 20,000 (most frequent): NLU training of the dev run (one TF thread) 516 s (load 4.7) before,
  188 s (load 5.1) after, with the same dev recalls (model file 131 -> 84 MB, RSS after load 1.86 -> 1.70 GB). The full `rasa train --force` (default TF threads) took
  6 min 25 s wall, 3 min 48 s user CPU at load 4-6 (04:05-04:12 UTC), the old pipeline 5 min 56 s / 3 min 57 s at
  load 5-7. With one TF thread (CPU time then tracks the work, not the load), side by side at 04:16-04:25 UTC,
  load 2-4: old pipeline 4 min 19 s user + 10 s sys (8 min 51 s wall), new 3 min 43 s + 9 s (8 min 6 s wall):
  ~14% less CPU, not the 2.7x the dev runs' wall times suggested (those ran next to other jobs). The wall times
  above say nothing about an idle machine; the 2.5-minute idle target is not shown by these figures.
- DIET 30 -> 20 epochs (with the caps and the second stage; shipped): dev run propose 0.966 (0.974 with the
  fallback), out_of_scope 0.982 (0.983), i.e. the 30-epoch figures within noise; one-TF-thread `rasa train --force`
  2 min 38 s user CPU + sys ~10 s (5 min 24 s wall at load 3-4, 04:26-04:31 UTC) against 3 min 43 s for 30
  epochs and 4 min 19 s for the old pipeline: -40% CPU in all. Parse p95 in that dev run 40.7 ms (p50 21.8) while
  the timing run trained next to it (load 3.4), 25.6 ms in the 30-epoch run (load 5.1): the linear stage costs
  ~1.4 ms per message (batch measurement); the p95 target must be read from `make eval-nlu`. Tune run with the
  shipped config.yml: propose 0.972, OOS 0.977 (0.982 with the fallback), hand macro-F1 0.836 (DIET alone 0.807),
  ask_program F1 0.907 (DIET alone 0.907), in-scope → fallback 0.020; threshold sweep: 0.30 mean 0.928, 0.40
  0.929, 0.45 0.928, 0.55 0.919: 0.30 stays (0.001 is noise; 0.40 sends 1.5% of in-scope messages to the menu).
- Goal half met on dev: propose recall 0.958-0.972 in the runs above (< 0.975, from 0.942-0.954 for DIET alone);
  out_of_scope 0.977-0.982 (≥ 0.975, from 0.960-0.967). The remaining
  misses are titles the linear model also calls everyday; more petition text within the LIVING/NATIONAL filters
  does not exist in the shared data (all ~1,176 left are in the pool).
- Held-out scoring 5 (04:41-04:52 UTC, this config without the prior shift below): kiwi macro-F1 0.955, propose
  recall 0.943 (misses: out_of_scope 15), out_of_scope recall 0.987 (from 0.933), parse p95 38.5 ms at load ~3
  (mecab 20.3 ms). The blend moved the errors the way dev had shown (propose below out_of_scope), more so on the
  held-out titles; its min(propose, OOS) still rose (0.933 -> 0.943), the rule the weight was chosen by.
- Prior shift (lead, after scoring 5, chosen on dev only): the linear model's propose odds times e^b before the blend
  (`log_prior` in config.yml, `nlu.linear_intents.shift_priors`). Offline blend of the dumped DIET rankings (scratch
  script with the blend_from code; weight 0.7, pool 1,176 titles, threshold 0.3), propose / out_of_scope recall:

| b | dev run (DIET 30 epochs, caps) | tune run (DIET 20 epochs; hand macro-F1) |
|---|---|---|
| 0 | 0.958 / 0.977 | 0.960 / 0.980 (0.807) |
| 0.25 | 0.968 / 0.975 | 0.972 / 0.977 (0.808) |
| **0.5 (shipped)** | **0.976 / 0.973** | **0.976 / 0.977 (0.805)** |
| 0.75 | 0.980 / 0.973 | 0.980 / 0.972 (0.804) |
| 1.0 | 0.982 / 0.970 | 0.982 / 0.968 (0.807) |
| 1.5 | 0.990 / 0.967 | 0.990 / 0.968 (0.810) |

  Rule (N3's, unchanged): the highest min(propose, OOS) on both runs: 0.5. (The offline hand macro-F1 is that of
  the dumped DIET-only tune run's messages blended here, lower than the end-to-end 0.836 above; only the column's
  movement across b is read.)
- Training time on a quiet machine (lead, 05:03-05:06 UTC, load 0.8 at the start, nothing else running): `rasa train
  --config config.yml --domain bot/domain --data nlu/data bot/data --force` of the shipped config took 2 min 45 s
  wall (2 min 52 s user CPU); the c3447b7 config took 3 min 26 s the same way at 03:36-03:39 UTC (load 0.0):
  the ≤ 3 min target is met again.
- Parse time: the linear stage now reads the lemmas KoreanTokenizer already found (same nlu.korean.tokens and
  analyzer as its training) instead of analysing each message a second time; a test checks the ranking is the same
  both ways.

## Prior shift 1.5 and a fresh held-out sample (2026-11-22, fourth round)

- Why: held-out scoring 6 (05:03 UTC) met three targets and missed propose recall (0.950, target 0.97), while
  out_of_scope recall (0.987, target 0.95) had 0.037 to spare. The prior had been chosen by the highest
  min(propose, out_of_scope) recall, a rule that treats both recalls as if they had the same target. The issue's targets
  differ, and so do the costs: a complaint read as chit-chat is lost (the citizen gets the menu), while chit-chat read
  as propose only opens the proposal form, which offers 취소 with its questions and stores nothing before the
  citizen confirms. New rule, fixed before looking at
  the numbers: the highest worst-case margin over the targets, min(propose - 0.97, out_of_scope - 0.95), on both dev
  runs, with ask_program recall on the hand-written dev split not lower.
- Offline blend of the same dumped DIET rankings as the table above (weight 0.7, pool 1,176 titles, threshold
  0.3), propose / out_of_scope recall (margin):

| b | dev run (1,100 real dev texts) | tune run (+ 358 hand-written; ask_program recall, hand texts wrongly called propose) |
|---|---|---|
| 0.5 (before) | 0.976 / 0.973 (+0.006) | 0.976 / 0.977 (+0.006; 0.852, 8) |
| 1.0 | 0.982 / 0.970 (+0.012) | 0.982 / 0.968 (+0.012; 0.852, 11) |
| 1.25 | 0.988 / 0.968 (+0.018) | 0.984 / 0.968 (+0.014; 0.852, 11) |
| **1.5 (shipped for scoring 7)** | **0.990 / 0.967 (+0.017)** | **0.990 / 0.968 (+0.018; 0.852, 12)** |
| 1.75 | 0.994 / 0.962 (+0.012) | 0.990 / 0.967 (+0.017; 0.852, 13) |
| 2.0 | 0.994 / 0.957 (+0.007) | 0.994 / 0.958 (+0.008; 0.852, 15) |
| 2.5 | 0.998 / 0.940 (-0.010) | 0.998 / 0.938 (-0.012; 0.833, 21) |
| 3.0 | 0.998 / 0.910 (-0.040) | 0.998 / 0.912 (-0.038; 0.833, 33) |

  1.5 has the highest worst-case margin over the two runs (0.017; 1.25: 0.014, 1.75: 0.012). End to end with the
  shipped config (`python -m bench.eval_nlu --analyzers kiwi --dev`, 06:20-06:23 UTC, load 4.6): propose 0.986
  (493/500; misses out_of_scope 4, nlu_fallback 3), out_of_scope 0.972 (583/600; misses propose 14), parse p95
  22.1 ms at that load.
- A fresh held-out sample, `nlu/eval/real_fresh.yml` (bench/sample_nlu_data.py FRESH_SIZES), because
  nlu/eval/real_heldout.yml has now been scored seven times. It is drawn after every other sample (the other files
  stay byte-identical, sha256 checked): 300 petition titles that name a living problem (LIVING, not NATIONAL, like the
  others) but were filed under the 14 categories no other sample reads (보건복지, 행정, 기타, ...; 1,916 such titles),
  150 ChatbotData and 150 3i4k utterances no other sample holds. Its labels come from the same keyword filters, not
  from reading; nobody read it or tuned on it, and it was committed (6b02ee9) before its first scoring.
  `make eval-nlu` reports it in the analyzer table and under the winner's details; the targets are still judged on
  the first held-out files. tests/rasa/test_eval_nlu.py checks it shares no text with any other sample or training
  file.
- Held-out scoring 7 (06:44-06:58 UTC, load 2-3, b = 1.5): kiwi macro-F1 0.949 (one of the 8 hand-written affirm
  messages now called propose), propose 0.967 (misses: out_of_scope 8), out_of_scope 0.970, p95 18.1 ms; the fresh
  sample, scored for the first time: propose **0.917** (275/300), out_of_scope 0.957.
- What the fresh figure showed, and why held-out propose recall stays below dev (0.95-0.97 against 0.97-0.99): the
  sampler draws the held-out sample first with a round robin over the 70 subject keywords, so it took the rare
  subjects; dev came next, and the training sample got what was left. Counted by subject (no text read): 64% of the
  held-out titles are from subjects with fewer than 20 titles in the whole pool, 20% of the dev titles, **0%** of the
  training titles, which cover 18 of the 70 subjects (31% 미세먼지); the linear model's pool was all 미세먼지. The
  model had never seen a petition title about 육교, 비둘기, 싱크홀 or 방지턱 in the petition style. Two fixes, both
  without reading the evaluation files:
  - the 1,539 living-problem titles of the other 14 categories left after the fresh draw join the linear model's pool
    (source `petitions_other`, 24 subjects; the fresh sample's 300 are not among them);
  - `nlu/data/propose_subjects.yml` (engineer N4, written from the subject list, without the evaluation files or the
    shared data): 4 examples for each of the 52 subjects the training sample lacked (a petition-style title, a short
    chat message, a no-spacing or typo one, a two-sentence complaint) and 27 everyday sentences that mention a subject
    without a complaint ("킥보드 처음 타봤는데 재밌네"). Re-running the sampler leaves every sample byte-identical
    (sha256 checked): none of these texts is a real one.
- Held-out scoring 8 (07:04-07:20 UTC, load 3-4; the pool with petitions_other, b = 0.75 chosen on dev by the margin
  rule: 0.994/0.967 and 0.990/0.970): kiwi macro-F1 0.962, propose 0.957, out_of_scope 0.973, p95 32.0 ms at that
  load; fresh: propose 0.947, out_of_scope 0.960.
- With the subject examples, DIET alone on dev went from 0.942-0.958 to **0.970** propose recall (out_of_scope 0.965).
  Prior by the same rule on new DIET-only dumps (`--dev` and `--tune-threshold` with config.yml minus the linear stage,
  07:15-07:21 UTC), propose / out_of_scope (margin):

| b | dev run | tune run (hand macro-F1; hand texts wrongly called propose) |
|---|---|---|
| 0 | 0.982 / 0.973 (+0.012) | 0.984 / 0.978 (+0.014; 0.813, 9) |
| 0.25 | 0.988 / 0.972 (+0.018) | 0.986 / 0.977 (+0.016; 0.813, 9) |
| **0.5 (shipped)** | **0.992 / 0.968 (+0.018)** | **0.992 / 0.973 (+0.022; 0.808, 9)** |
| 0.75 | 0.996 / 0.968 (+0.018) | 0.994 / 0.965 (+0.015; 0.807, 11) |
| 1.0 | 0.996 / 0.963 (+0.013) | 0.996 / 0.962 (+0.012; 0.807, 13) |

- Held-out scoring 9 (07:28-07:44 UTC, load 2-4; subject examples, b = 0.5): kiwi propose **0.970**, out_of_scope
  0.963, p95 19.4 ms, but macro-F1 0.941: the hand-written affirm messages fell to 5 of 8 (out_of_scope 2, fallback
  1). Fresh: propose 0.957, out_of_scope 0.950.
- Why the small intents suffer (dev only, the tune split's 405 hand-written texts blended offline): the linear model,
  trained mostly on real petition titles and everyday text, pulls short social messages towards out_of_scope where
  DIET had them right ("네 부탁해요", "도움말", "메뉴", "너 누구야", "덕분에 알았어요 고마워요"). Per-intent blend
  weights (`intent_weights` in config.yml, `blend_ranking`): the linear model keeps its weight where it was made to
  help, propose and out_of_scope, and weighs less on the other intents. Rule, fixed before the runs: among settings
  whose worst target margin is within two dev texts (0.003) of the best, the highest hand-written macro-F1.

| weight (other intents) / propose, out_of_scope | dev run | tune run (hand macro-F1; ask_program recall / precision) |
|---|---|---|
| 0.7 / 0.7 (one weight, before) | 0.992 / 0.968 (+0.018) | 0.992 / 0.973 (+0.022; 0.808; 0.907 / 0.925) |
| 0.4 / 0.7 | 0.992 / 0.970 (+0.020) | 0.992 / 0.972 (+0.022; 0.809; 0.889 / 0.941) |
| 0.3 / 0.7 | 0.992 / 0.968 (+0.018) | 0.992 / 0.972 (+0.022; 0.829; 0.889 / 0.941) |
| **0.2 / 0.7 (shipped)** | **0.992 / 0.967 (+0.017)** | **0.992 / 0.968 (+0.018; 0.833; 0.889 / 0.941)** |

  Only propose and out_of_scope blended (DIET's mass for the two split by the linear model) gave hand macro-F1 0.851
  but out_of_scope 0.958 / 0.958 (margin +0.008): the linear model also takes everyday talk away from the small
  intents ("ㅇㅅㅇ" read as affirm), so it keeps a small weight there.
- Held-out scoring 10 (07:44-07:55 UTC, load 3-4): **mecab** won by the table's rule (3 of 4 targets like kiwi,
  macro-F1 0.95 for both to two decimals, faster): macro-F1 0.951, propose 0.967, out_of_scope 0.963, p95 10.1 ms;
  kiwi 0.947 / **0.970** / 0.953 / 15.9 ms. config.yml now uses mecab, as the issue asks (the default is the winner).
  Fresh sample: mecab propose 0.957, out_of_scope 0.970; kiwi 0.950 / 0.953.
- **Reading of the ten scorings.** On the held-out files each of the four targets has been met by the shipped
  analyzer in some run, but never all four in one run, and the misses are one to three texts: propose recall moved
  within 0.950-0.970 (300 titles: one title is 0.0033), hand-written macro-F1 within 0.941-0.962 (8 messages per
  small intent: one message moves macro-F1 by ~0.01). Dev, with 1,100 real and 405 hand-written texts, moves
  much less (propose 0.974 -> 0.990 over this round). The held-out files have been scored ten times and the last
  changes were chosen on dev, but the figures above are still the held-out figures, not the dev ones.
- Every table of this round is an offline blend of a dumped DIET-only run, reproducible with
  `python -m bench.eval_nlu --blend-from DUMP --weights W --log-prior '{"propose": b}' --intent-weights
  '{"propose": 0.7, "out_of_scope": 0.7}'` (DUMP from `--dev` or `--tune-threshold` with `--dump-rankings` and
  config.yml without the linear stage); the 0.2 / 0.7 row below was re-run that way and gave the same figures.

## Unseen complaint subjects: leave-subject-out (dev only, 2026-11-22, fifth round)

- Why: the held-out titles were drawn first, round robin over the 70 subject keywords, so 64% of them are about
  subjects that are rare in the data, against 20% of the dev titles; the training titles cover 18 subjects. Dev
  therefore measured familiar subjects. A protocol for unseen subjects from the training side only:
  `python -m bench.eval_nlu --subject-folds 5 --linear '{...}' --log-prior '{"propose": b}'`. The dev titles'
  subjects (first LIVING keyword, as bench.sample_nlu_data.petition_pool gives it: 42 subjects in the 500 titles) are
  split into 5 groups; per group the linear model is trained on nlu/data plus the pool without every text, of any
  intent, that names one of the group's keywords, and scored on the dev titles of that group (propose recall on
  subjects it never saw: each title is scored once) and on the 600 dev everyday texts (out_of_scope recall, mean
  of the 5 models). Linear model alone (argmax after the prior): DIET was trained on every subject. Counts only.
- Levers (nlu/linear_intents.py, settings of the Rasa component):
  - `shape_ngrams`: a third TF-IDF view, the morphemes with content nouns, names, numbers and foreign words
    replaced by their tag and the others as lemma/tag, between <s> and </s> (`join_shape`): the request and the
    sentence ending whatever the subject ("<s> N N 해/XSV 주/VX 세요/EP </s>"). Read from KoreanTokenizer's tokens
    at parse time, as the lemmas are.
  - `swap_words` / `swap_copies`: at fit time, each propose text naming one of the subject words gets a copy with
    another subject word (`swap_subjects`, fixed seed). The words are the sampler's LIVING keywords without 단속
    (a request word) and 동네/마을/골목 (places). In the protocol a fold's model swaps only among the subjects it may
    see, so the held-back subjects stay unseen; the shipped model uses all of them, which also puts every listed
    subject in petition style into its training (as nlu/data/propose_subjects.yml does by hand).
  - `shape_keep` (request and problem nouns 요청, 개선, 불편, 위험 ... kept as words in the shape view): 0.938 / 0.969
    against 0.936 / 0.968 without, one title: not used.
- Protocol (3 fold draws: seeds 11 / 12 / 13 of the subject split), unseen-subject propose recall / out_of_scope:

| linear model | prior b | seed 11 | seed 12 | seed 13 | seen-subject propose (seed 11) |
|---|---|---|---|---|---|
| char + lemmas (before) | 0.5 | 0.914 / 0.965 | 0.884 / 0.967 | 0.906 / 0.964 | 0.992 |
| + shape 1-3 | 0.5 | 0.936 / 0.968 | 0.930 / 0.968 | 0.934 / 0.964 | 0.992 |
| + shape 1-4 | 0.5 | 0.938 / 0.966 | - | - | - |
| + shape + swap (1 copy) | 0.5 | 0.968 / 0.957 | - | - | 0.995 |
| **+ shape + swap (shipped)** | **0.25** | **0.968 / 0.965** | **0.960 / 0.960** | **0.966 / 0.965** | 0.994 |
| + shape + swap | 0 | 0.956 / 0.968 | - | - | 0.993 |
| swap without shape | 0.5 | 0.958 / 0.941 | - | - | - |

- Usual dev figures, offline blends (`--blend-from`, weight 0.2, propose / out_of_scope 0.7, threshold 0.3) of two
  mecab DIET-only dumps made at 09:23-09:32 UTC (load 4-10) with the current data; propose / out_of_scope recall
  (worst margin over the targets); tune run: hand macro-F1, ask_program F1:

| linear model | b | dev run (1,100 real) | tune run (+ 405 hand-written) |
|---|---|---|---|
| char + lemmas (before) | 0.5 | 0.988 / 0.968 (+0.018) | 0.986 / 0.972 (+0.016); 0.806, 0.874 |
| + shape | 0.5 | 0.992 / 0.978 (+0.022) | 0.990 / 0.978 (+0.020); 0.816, 0.863 |
| + shape | 0.25 | 0.992 / 0.978 (+0.022) | 0.990 / 0.980 (+0.020); 0.816, 0.854 |
| + shape + swap | 0.5 | 0.996 / 0.963 (+0.013) | 0.994 / 0.970 (+0.020); 0.821, 0.854 |
| **+ shape + swap (shipped)** | **0.25** | **0.996 / 0.970 (+0.020)** | **0.994 / 0.972 (+0.022); 0.821, 0.854** |
| + shape + swap | 0 | 0.994 / 0.972 (+0.022) | 0.992 / 0.977 (+0.022); 0.821, 0.854 |

  Rule, fixed before the last three rows: among settings whose worst dev margin (both runs) is within 0.003 of the
  best, the highest unseen-subject propose recall whose protocol out_of_scope recall is not below the old model's
  (seed 11: 0.965); hand macro-F1 and ask_program not below the old model's beyond one example. Shipped: shape
  1-3, swap 1 copy, b 0.25. ask_program F1 0.874 -> 0.854 is one message on the tune split (45 -> 44 of 54 right;
  the misses are short program questions read as out_of_scope, as before) plus one check_status message read as
  ask_program. On the protocol the shipped setting's out_of_scope is 0.963 on average over the 3 draws against
  0.965 for the old model (one everyday text in 600).
- End to end with the shipped config.yml (`python -m bench.eval_nlu --analyzers mecab --dev`, real Rasa training,
  09:40-09:45 UTC, load 5-8): propose 0.996 (498/500; misses out_of_scope 2), out_of_scope 0.970 (582/600; 0.975
  with the fallback; misses propose 12, nlu_fallback 3, goodbye 2, affirm 1), NLU trained in 208 s, parse p50
  15.4 / p95 23.0 ms at load 6.4 (the DIET-only dump run before it: p95 56.0 ms at load 10.1). The previous config
  gave 0.992 / 0.967 on the same dev file.
- `rasa train --config config.yml --domain bot/domain --data nlu/data bot/data --force` (out of models/) of the
  shipped config: 2 min 31 s wall, 2 min 8 s user CPU (09:45:42-09:48:13 UTC, load 4.9 at the start, 3.6 at the
  end); the linear stage: 8,240 texts + 3,969 swapped copies, three views, fit 3.9 s (2.7 s before; load 3).
  Parse time, this model and the 04:33 models/gwangju.tar.gz interleaved on 367 dev texts in one process (one TF thread, load
  3.2): p50 12.9 / p95 20.0 ms against 12.3 / 19.3 ms.
- Not tried for lack of time: the shape view in DIET's featurizers (DIET's own subject dependence is not measured
  by the protocol, which leaves DIET out), and swapping subjects inside the everyday texts that name one.
- Held-out scoring 11 (lead, 09:52-10:05 UTC, `make eval-nlu` after this round; the setting was fixed by the rule
  above before it): propose recall 0.967 -> 0.987 on the held-out titles and 0.957 -> 0.970 on the fresh ones, but
  out_of_scope recall 0.963 -> 0.943 and 0.970 -> 0.957, and hand-written macro-F1 0.951 -> 0.939 (greet 6 -> 5 of
  8 and bot_challenge 7 -> 6 of 8, both to out_of_scope). The four real-text recalls sum to 3.857 before and after:
  on unseen text this round moved the propose / out_of_scope operating point instead of separating the two better,
  although dev and the protocol said both rose. Kept as shipped, because the rule was fixed on dev before the
  scoring and choosing between the two settings on the held-out files would be tuning on them; the product reading
  agrees (a missed complaint is lost, an everyday sentence read as propose opens a form that stores nothing
  unconfirmed). The held-out samples (300 texts per side, one text = 0.0033) are too small for the margins left; the
  next step is a larger held-out sample, not another scoring of these.

## Small intents and out_of_scope on the new dev files (dev only, 2026-11-22, sixth round, engineer N6)

- Rule, fixed before the runs: ship a change if nlu/eval/dev_hand.yml macro-F1 (strict) rises, dev_real propose
  recall stays ≥ 0.99 and dev_real out_of_scope recall does not fall; otherwise leave it out. The held-out files,
  old and new, were not read or scored. `python -m bench.eval_nlu --analyzers mecab --dev` (real Rasa training) and
  offline blends of DIET-only dumps (`--dev --dump-rankings`, then `--blend-from`; dev_hand.yml rows are blended
  too). Load average 2-7 on 2 cores (other engineers' trainings); two runs at a time.
- Before (shipped config, 12:28-12:33 UTC, load 4.3): dev_hand macro-F1 **0.844** (accuracy 0.830; 88 of its 300
  messages also occur in nlu/data), lowest support_proposal 0.683, out_of_scope F1 0.579 (precision 0.431: small
  intents read as out_of_scope: help 6, support_proposal 6, goodbye 4, thanks 4, bot_challenge 3); dev_real propose
  0.996 (498/500), out_of_scope **0.970** (582/600). DIET alone: 0.838, so the losses come from DIET, not the blend.
- Blend levers on that dump, none kept: linear weight for out_of_scope 0.5 / 0.6 (hand 0.844 / 0.841, propose
  0.988 / 0.994), out_of_scope prior -0.5 / -1 (out_of_scope 0.962 / 0.943), FallbackClassifier threshold 0.4 / 0.5
  (hand 0.841 / 0.839, out_of_scope 0.968 / 0.963): all within one or two messages of 0.840 or against the rule.
- Data: nlu/data/smalltalk_styles.yml, 164 hand-written examples in the styles the small intents lost (a greeting
  or thanks with a sentence of context, slang and typed sounds, long polite forms, refusing to file, support with a
  receipt number or "someone already filed it", status questions told as a story) and 12 out_of_scope questions
  about other cities' or national services (read as ask_program before). Written fresh; lines equal (spacing and
  punctuation aside) to a dev, held-out or pool text or to another nlu/data line were dropped by a script without
  being printed (14 of 178), so every sample draw stays byte-identical (md5sum checked). End to end: dev_hand
  0.883, propose 0.996, out_of_scope 0.957 (574/600: 10 to the fallback, 4 to goodbye) - against the rule; without
  the 12 out_of_scope lines 0.888 / 0.996 / 0.958.
- Offline on the new DIET's dump (linear stage as shipped; propose / out_of_scope / hand macro-F1): as shipped
  0.996 / 0.957 / 0.883; out_of_scope prior 0.25: 0.996 / 0.967 / 0.885; **0.5: 0.994 / 0.970 / 0.885**; 0.75:
  0.990 / 0.972 / 0.883; out_of_scope weight 0.8 / 0.9: 0.958 / 0.962 out_of_scope; ambiguity 0.02: 0.962.
- Shipped: the data and `log_prior: {propose: 0.25, out_of_scope: 0.5}` (config.yml). End to end (12:55-12:59
  UTC, load 3.6): dev_hand macro-F1 0.844 -> **0.883** (accuracy 0.830 -> 0.870; greet 0.936 -> 0.980, goodbye
  0.913 -> 0.958, help 0.864 -> 0.936, deny 0.864 -> 0.913, support_proposal 0.683 -> 0.810, out_of_scope 0.579 ->
  0.638, thanks 0.864 = 0.864, bot_challenge 0.837 -> 0.864), dev_real propose 0.996 -> **0.990** (495/500; 3 to the
  fallback, 2 out_of_scope; 0.996 with the fallback), out_of_scope 0.970 -> **0.972** (583/600), NLU trained in
  126 s, parse p95 22.7 ms (load 3.6). Propose sits on the rule's edge (0.990): one title more lost would have
  failed it. Remaining dev_hand losses: support_proposal 8 of 25 (to out_of_scope 6), thanks 6, bot_challenge 6,
  still mostly to out_of_scope; out_of_scope precision 0.500.
- `rasa train --config config.yml --domain bot/domain --data nlu/data bot/data --force --out /tmp/...` (one TF
  thread) of the shipped config: 2 min 50 s wall, 130 s user CPU (12:59:21-13:02:11 UTC, load 2.5 -> 3.2). Parse
  time, this model and the 04:33 models/gwangju.tar.gz interleaved on 667 dev texts in one process (13:05 UTC, load
  3.1): p50 12.1 / p95 17.0 ms against 11.2 / 15.5 ms. tests/rasa against this model: 123 passed (the one that
  scores nlu/eval/test.yml deselected).
- Not tried for lack of time: more support_proposal and bot_challenge variants, DIET class weighting of the real
  everyday rows, a DIET-only run with the new data at other epochs.

## First scoring of the new files (2026-11-22 13:08-13:21 UTC, lead)

- `make eval-nlu` once, after the sixth round was committed (test_blind.yml and real_heldout2.yml scoring 1;
  test.yml / real_heldout.yml scoring 12, real_fresh.yml scoring 6; load 2-5 on 2 cores, a knowledge-base
  evaluation running beside it). Both kiwi and mecab meet 3 of 4 targets; kiwi has the higher blind macro-F1 (0.915
  against 0.895), so by the rule above kiwi is the winner and config.yml's default analyzer moved from mecab to kiwi
  (the tokenizer and the linear stage). With kiwi, `make train` took 2 min 57 s (13:28-13:31 UTC, load 2.5, other
  work running) and tests/rasa passed (124).
- Met: out_of_scope recall 0.965 on 1,000 never-scored everyday utterances; propose recall 0.972 on the 600 old
  held-out and fresh titles; parse p95 18.6 ms. Not met: blind macro-F1 **0.915** (target 0.95). On the old
  test.yml the same model has 0.961, so the old file's 8 messages per small intent had flattered the figure, or the
  blind writer's messages (all unseen: the short common ones were dropped) are harder; both are likely.
- The blind losses, by count: check_status told as a story about a problem read as propose (4 of 24), thanks read
  as out_of_scope (3 of 14), everyday sentences read as propose (3 of 21), bot_challenge read as ask_program (2 of
  18). The same kinds of loss as on dev_hand.yml, which is where the next round should work; the blind file is not
  to be scored again for choices.

## Small intents on both hand-written dev files (dev only, 2026-11-22, seventh round, engineer N7)

- Rule, fixed before the runs: ship a change if the macro-F1 of nlu/eval/dev_hand.yml + dev_hand2.yml together
  (strict) rises, dev_real propose recall stays ≥ 0.99 and dev_real out_of_scope recall does not fall. The held-out
  and blind files (and nlu/blind_drafts/) were not read or scored. `python -m bench.eval_nlu --analyzers kiwi --dev
  --show-dev-misses` (kiwi, the shipped analyzer: `--dev` alone trains the first of ANALYZERS, mecab) and offline
  blends of DIET-only dumps (`--dump-rankings`, then `--blend-from`). Load average 4-8 on 2 cores (a knowledge-base
  evaluation and other trainings beside; up to three of these runs at a time), so the "trained in" figures of these
  runs (208-358 s) say nothing about the training-time target.
- Before (shipped config and data, 15:10-15:17 UTC, load 7.0): hand macro-F1 **0.903** (accuracy 0.894; dev_hand.yml
  0.895, dev_hand2.yml 0.915 - the blind figure of the first scoring, same model kind), dev_real propose **0.994**
  (497/500), out_of_scope **0.965** (579/600). Losses: thanks -> out_of_scope 7, bot_challenge -> out_of_scope 5 and
  -> ask_program 4, check_status -> propose 4, everyday -> propose 4, deny 5, goodbye 4.
- Data: nlu/data/smalltalk_styles2.yml, 162 hand-written examples (160 shipped: the lead took out 2 thanks lines
  that equal messages of the second blind file before its scoring, which was not changed): status questions told as the story of the problem
  (40: an earlier filing, then 아직 / 어떻게 됐 / 소식 / 어느 단계, some opening with a greeting or with a receipt
  number), support in everyday words (31: 이름 올려 주세요, 밀어줄게요, 한 표 얹을게요, long stories), thanks
  wrapped in a sentence about the citizen's day and in typed forms (37), goodbye with a reason (10), refusals to
  file (11), bot questions that mention AI or run words together (25), general-knowledge questions (8,
  out_of_scope). Written fresh, no dev message copied or paraphrased (`--dev` still reports 88 dev_hand messages in
  the training data, as before); 5 lines equal (spacing and punctuation aside) to a dev, pool, shared-data
  (ChatbotData, 3i4k, petition titles) or nlu/data text were dropped by a script without being printed.
- After (same command with the data, 15:20-15:25 UTC, load 5.4): hand macro-F1 0.903 -> **0.931** (accuracy 0.894 ->
  0.920; dev_hand.yml 0.895 -> 0.925, dev_hand2.yml 0.915 -> 0.941; thanks 0.870 -> 0.932, bot_challenge 0.853 ->
  0.964, check_status 0.946 -> 0.968, support_proposal 0.920 -> 0.956, ask_program 0.929 -> 0.989), dev_real propose
  0.994 -> **0.992** (496/500, rule: ≥ 0.99), out_of_scope 0.965 -> **0.967** (580/600). Shipped by the rule.
  Remaining: deny 0.885 (아녀 / 놉 / "접수하지 말아주세요" -> out_of_scope or propose), out_of_scope precision 0.765,
  thanks -> out_of_scope 3, check_status -> propose 2.
- Tried, left out (patches kept outside the repository):
  - the first 95 lines alone, offline on their DIET-only dump with the shipped blend: 0.914 / 0.994 / 0.967;
  - a RegexFeaturizer pattern `status_question` (a filing word, then 어떻게 됐 / 아직 / 진행 / 단계 ... within 60
    characters; 44 of 112 check_status training examples and 21 of 49 dev ones match, no propose example of the
    training, pool or dev_real): DIET-only 0.911 against 0.921 without it, blended 0.913 against 0.914 - nothing;
  - blend levers on the new DIET-only dump (small-intent linear weight 0.05-0.3, out_of_scope prior 0.25-0.75,
    propose prior 0-0.5): hand 0.912-0.917, all within two messages of the shipped 0.914;
  - a third batch of 22 more status stories (who handles it, a promised date, a passed deadline): hand 0.931 ->
    0.922, check_status recall 0.939 -> 0.898 (propose 0.994, out_of_scope 0.967) - against the rule. Run-to-run
    movement from a data change is about ±0.01 in this macro-F1 (502 messages, 32-50 per intent);
  - a fourth batch of 21 refusals in everyday words and help requests worded as confusion (15:38-15:42 UTC, load
    6.4): deny 0.885 -> 0.938 but hand macro-F1 0.931 -> 0.925 (check_status 0.968 -> 0.935), out_of_scope 0.967 ->
    0.962 (propose 0.996) - against the rule.
- New tests (tests/rasa/test_hard_cases.py, sentences in neither nlu/data nor nlu/eval): ten small-intent messages
  wrapped in a sentence of context (thanks, support, bot, goodbye, deny; at most 2 wrong: passes) and ten status
  questions told as a story, **6 of 10 right** with the shipped model then (kiwi; 2 -> propose, 2 -> out_of_scope),
  tested with a looser floor that catches a regression: the dev gain on check_status does not carry over to every
  story, which is where the next round should work (cues of a follow-up rather than of a report: who handles it, a
  promised date).
- Training time: `/usr/bin/time -v make train` with this data (a cold training: new data, so no Rasa cache hit):
  **2 min 50.5 s** wall, 151 s user CPU (15:26:36-15:29:27 UTC, load 3.8 -> 6.6, other engineers' work running).
  Where it goes (`rasa train --debug` timestamps, load 6-7; DIET and the policies came from the Rasa cache in that
  run, 1 min 38 s): Rasa start-up and imports ~22 s, loading the data ~5 s, KoreanTokenizer ~11 s, the featurizers
  ~24 s (word and character CountVectors 8 s each), LinearIntentClassifier ~18 s (it analyses the training texts, the
  pool and the swap copies itself); DIET is the rest of a cold run (~70-80 s). DIET epochs 20 -> 15 (end to end
  on dev with the new data): hand 0.931 -> 0.928, out_of_scope 0.967 -> 0.965, propose 0.992 = 0.992: a dev loss by
  the rule, not shipped. Nothing else was shipped for time; the cheapest next lever is the linear stage reusing
  analyses (the same texts are analysed by the tokenizer and by the linear stage).

## Short answers, greetings and goodbyes on the three hand-written dev files (dev only, 2026-11-22, eighth round, engineer N8)

- Rule, fixed before the runs: ship a change if the macro-F1 of nlu/eval/dev_hand.yml + dev_hand2.yml + dev_hand3.yml
  together (strict) rises, dev_real propose recall stays ≥ 0.99 and dev_real out_of_scope recall does not fall. The
  held-out files were not read or scored. `PYTHONPATH=. .venv-rasa/bin/python -m bench.eval_nlu --dev
  --show-dev-misses` (mecab, the shipped analyzer), `--dump-rankings` for offline what-ifs. Training is
  deterministic: the same data gave the same figures in two runs. Load average 2-7 on 2 cores (a knowledge-base
  evaluation and other trainings beside), so the "trained in" figures (146-275 s) say nothing about the target.
- Before (shipped config and data, 16:09-16:12 UTC, load 1.5-2.5): hand macro-F1 **0.925** (accuracy 0.919;
  dev_hand.yml 0.916, dev_hand2.yml 0.943, dev_hand3.yml 0.913; deny 0.872 (recall 0.774), affirm 0.897, goodbye
  0.950, greet 0.968, out_of_scope precision 0.731), dev_real propose **0.992** (496/500), out_of_scope **0.970**
  (582/600). Losses of these intents: 아녀 / 놉 / 별로요 / 싫음 -> out_of_scope, "접수하지 말아 주세요" -> propose,
  greetings that introduce the writer with a district and dong -> propose, goodbyes with a reason -> out_of_scope,
  other cities' programmes (out_of_scope) -> ask_program.
- Data: nlu/data/smalltalk_styles3.yml, 47 hand-written examples in small batches (deny 16, affirm 9, goodbye 8, greet
  8, out_of_scope 6: other cities' programmes and services). Written fresh, no dev message copied or paraphrased;
  one line that turned out equal to a dev message was replaced before any run (a script compared the new lines with
  the dev, pool and nlu/data texts without printing them; `--dev` still reports 88 dev_hand messages in the
  training data, as before).
- After (same command, 16:15-16:21 UTC, load 1.1-4.0): hand macro-F1 0.925 -> **0.933** (accuracy 0.919 -> 0.925;
  dev_hand.yml 0.916 -> 0.928, dev_hand2.yml 0.943 -> 0.934, dev_hand3.yml 0.913 -> 0.926; deny 0.872 -> 0.920,
  goodbye 0.950 -> 0.961, help 0.944 -> 0.958, affirm 0.897 -> 0.899, out_of_scope precision 0.731 -> 0.765, greet
  0.968 = 0.968, support_proposal 0.920 -> 0.907), dev_real propose 0.992 -> **0.994** (497/500), out_of_scope 0.970
  -> **0.972** (583/600). Shipped by the rule. `/usr/bin/time -v make train` with it: 3 min 50 s wall, 145 s user
  CPU (16:26-16:30 UTC, load 2.1 -> 3.3, offline blends of mine and a knowledge-base evaluation beside; the seventh
  round's data took 151 s user CPU).
- Tried, left out (patches in /tmp/n8 of that session):
  - the refusals, confirmations and goodbyes alone (no greetings, no out_of_scope lines): 0.932, propose 0.994,
    out_of_scope 0.962 - against the rule; without only the out_of_scope lines: 0.928 / 0.994 / 0.972 - below the
    whole batch;
  - FallbackClassifier ambiguity_threshold (offline on the full-pipeline dumps, exact since the fallback only reads
    the ranking): 0 instead of 0.05 was +0.002 hand and +0.007 out_of_scope on the old data's dump but -0.001 hand on
    the new one; 0.1: hand 0.935, out_of_scope 0.967 (falls); a rule for one- or two-word messages (ambiguity 0 for
    them only): +0.001 hand, nothing else - within one message, left at 0.05; threshold 0.25-0.35 moves nothing;
  - blend levers on a DIET-only dump of the new data (offline, shipped blend 0.927 / 0.994 / 0.967 there):
    small-intent linear weight 0.1-0.35 0.927-0.930, a separate weight 0.05 or 0.4 for affirm / deny / greet / goodbye
    0.927-0.928, out_of_scope prior 0.25 / 0.75 0.928 (out_of_scope 0.963 / 0.972, propose 0.996 / 0.992). End to
    end, small-intent weight 0.3 with the new data: 0.933 -> 0.935, propose 0.994 = 0.994, out_of_scope 0.972 -> 0.973
    (16:31-16:37 UTC) - one message each, passing the rule, but not shipped: it could not be checked against the
    hard-case tests before the deadline (below). It is the first candidate for the next round.
- Tests: tests/rasa/test_hard_cases.py has a new group of ten short answers, greetings with a self-introduction and
  goodbyes with a reason (in neither nlu/data nor nlu/eval; at most 2 wrong): 10 of 10 right with this data.
  test_status_questions_told_as_a_story (at most 4 of 10 wrong) FAILS with the model trained on this data: 6 wrong (3
  -> out_of_scope); without the out_of_scope lines, or with the short answers alone, 5 wrong; with the data before
  this round (mecab, 16:46-16:50 UTC) also 6 wrong: the
  failure came with the switch to mecab (the seventh round's 6 of 10 right was measured with kiwi), not with this
  data; left for the lead. The lead set the floor to mecab's level (at most 6 wrong: it still catches a regression;
  the aim stays 2). The old data got 8 of the new group right (two refusals naming the filing -> propose).

## Ninth round (dev only, 2026-11-22, engineer N9) and the third blind file (lead)

- Same rule as round 8, fixed before the runs (dev_hand + dev_hand2 + dev_hand3, 877 messages, strict macro-F1 must
  rise; dev_real propose ≥ 0.99; dev_real out_of_scope must not fall; tests/rasa/test_hard_cases.py must pass).
  `PYTHONPATH=. OPENBLAS_NUM_THREADS=1 .venv-rasa/bin/python -m bench.eval_nlu --dev --show-dev-misses [--config
  variant]` (mecab), load 1.6-4.0.
- (1) Small-intent linear weight 0.2 -> 0.3 (round 8's candidate), end to end: hand 0.933 -> 0.935, propose 0.994
  =, out_of_scope 0.972 -> 0.973; hard cases pass. (2) nlu/data/smalltalk_styles4.yml, 38 fresh lines:
  support_proposal in the words citizens use for it (추천, 좋아요, 응원, 동의, +1, English; 추천 was in 22 out_of_scope
  examples and 1 support example) and support inside the problem's story; short and contextual thanks (a script
  compared them with the dev, pool and training texts without printing them; 8 equal lines were replaced before any
  run): 0.936, out_of_scope 0.975, support_proposal recall 0.817 -> 0.871. (3) LinearIntentClassifier
  `intent_weights.check_status: 0.7`: DIET reads status questions told as the story of the problem as propose or
  out_of_scope, the linear stage mostly as check_status (the top score on 8 of the 10 hard-case stories): hand 0.936
  -> **0.940** (accuracy 0.930; dev_hand 0.927, dev_hand2 0.960, dev_hand3 0.928), check_status recall 0.936 ->
  0.979, propose 0.994 =, out_of_scope 0.975 =; hard-case status stories 6 -> 4 wrong (floor tightened to 4). All
  three shipped. Left out: 12 more status stories (0.940 =, propose 0.992, out_of_scope 0.972) and 18 help/goodbye
  lines (0.940 =, propose 0.990, out_of_scope 0.972); offline blend levers within ±3 messages. Cold `rasa train`
  (the Makefile's command, `/usr/bin/time -v`): 156-203 s user CPU for the same job (before: 165 s), 3:00 wall at
  load ~2.5.
- A leak found by `make eval-nlu` (lead): one eighth-round refusal, 싫은데요, equalled a message of the old
  test.yml, so the evaluation refused to run; it was reworded (그건 좀 싫은데요) and tests/rasa/test_eval_nlu.py now
  checks that no held-out message occurs in nlu/data whenever the tests run.
- **Third blind file, scored once** (`make eval-nlu`, 19:34-19:50 UTC, load 1-2.4; blind scoring 1, real_heldout2
  scoring 3): mecab **0.846** macro-F1 (accuracy 0.845), kiwi 0.853, okt 0.831; mecab stays the winner (3 of 4
  targets: out_of_scope recall on real_heldout2 0.967, propose recall 0.977 on the 600 old titles, p95 17.2 ms; kiwi
  misses the propose one). So the rounds since the second blind file (0.913) raised the development figure (0.925 ->
  0.940) but not the blind one: this pair of writers (one of them 10-30-year-olds on KakaoTalk: 반말, chosung,
  slang) is further from the training data than the last. Its losses (mecab): out_of_scope precision 0.585 (out of
  scope -> ask_program 10: other cities' AI programmes and AI topics that are not Gwangju's; the writers were told
  another city's programme is out_of_scope), support_proposal -> propose 6, goodbye recall 0.62 (-> out_of_scope 4),
  greet recall 0.67, help recall 0.71 (-> fallback 4, -> out_of_scope 3), affirm recall 0.75, check_status ->
  propose 3. The next round's work: other cities' programmes against Gwangju's (a region feature or data), the
  KakaoTalk register of the small intents. Then (20:30 UTC) the file became development data,
  nlu/eval/dev_hand4.yml (`--dev` now scores 1,283 hand-written messages); a fourth blind file measures the next round.

## Tenth round (dev only, 2026-11-22, engineer N10)

- Rule, fixed before the runs: ship if the strict macro-F1 of nlu/eval/dev_hand3.yml + dev_hand4.yml together (781
  messages) rises, dev_real propose recall stays ≥ 0.99, dev_real out_of_scope recall falls by at most 0.003, and
  tests/rasa/test_hard_cases.py passes. `PYTHONPATH=. OPENBLAS_NUM_THREADS=1 .venv-rasa/bin/python -m bench.eval_nlu
  --dev --show-dev-misses` (mecab), load 2.0-4.2.
- (1) Lead's decision: every blind file so far scored 0.03-0.09 below the development figure of its day, because
  each writer pair brings wording the training data lacks. So the two oldest spent hand-written sets became training
  data, nlu/data/hand_written.yml (from dev_hand.yml, 209 messages) and hand_written2.yml (from dev_hand2.yml, the
  first blind file, 201), with their entities annotated by entities.yml's regex, synonyms and lookups and the surfaces
  nlu/data annotates elsewhere (unannotated districts would teach DIET they are not entities); messages equal to an
  nlu/data message (88) or a held-out message (4) were left out. DEV_HAND_FILES is now dev_hand3 + dev_hand4. Hand
  macro-F1 0.882 -> **0.908** (accuracy 0.883 -> 0.912; dev_hand3 0.919 -> 0.949, dev_hand4 0.846 -> 0.870;
  support_proposal 0.923 -> 0.957, help 0.898 -> 0.934, check_status 0.957 -> 0.979, affirm 0.830 -> 0.873), propose
  0.994 -> 0.990, out_of_scope 0.968 -> 0.970, parse p95 26.4 -> 26.5 ms, hard cases pass. Shipped. Cold `rasa train`
  (the Makefile's command, fresh Rasa cache, one BLAS thread): 194 s user / 3:41 wall before, 193 s / 3:07 after, at
  load ~3 with a knowledge-base evaluation on the other core (the moved files add no measurable CPU).
- Left out, each raising hand macro-F1 (0.908 -> 0.911-0.915) but costing 1-2 dev petition titles (propose
  0.986-0.988): 46 lines on other cities' AI programmes as out_of_scope with Gwangju contrasts (out_of_scope ->
  ask_program 10 -> 6) and a 41-line AI-only subset; 70 KakaoTalk-register small-intent lines and support stories
  (out_of_scope 0.963) and a 42-line goodbye/help/support subset, also with propose log_prior 0.35. Propose sits at
  its floor (495/500): the next data change needs propose titles of its own (titles naming other cities, so that a
  region name stops predicting out_of_scope).
- **Fourth blind file, scored once** (`make eval-nlu`, 22:15-22:31 UTC, load ~2.5 with a knowledge-base evaluation
  on the other core; blind scoring 1, real_heldout2 scoring 4): mecab **0.909** macro-F1 (accuracy 0.904), kiwi
  0.908, okt 0.889; mecab stays the winner with 3 of 4 targets (out_of_scope recall 0.969 on real_heldout2's 1,000
  utterances, propose recall 0.973 on the 600 old titles (584/600), p95 20.5 ms). The third blind file had scored
  0.846 with the ninth round's data: training on the two oldest spent hand-written sets closed two thirds of the gap
  between the development and the blind figure (dev 0.908 on dev_hand3 + 4, blind 0.909), on writers in a register
  new to the project (Jeolla dialect, voice typing, simple Korean of foreign residents). Its losses (mecab):
  out_of_scope precision 0.532 (out_of_scope -> ask_program 9: other cities' programmes again, the one group the
  round could not ship), small intents -> out_of_scope 15 (thanks 3, affirm 3, help 3, bot_challenge 3, greet 2,
  goodbye 2, deny 1), ask_program -> out_of_scope 4; check_status 1.000, support_proposal 0.978, propose 0.970. The
  train time in the table (222 s) was measured at load ~2.5. Then (22:37 UTC) the file became development data,
  nlu/eval/dev_hand5.yml (`--dev` scores dev_hand3, 4 and 5: 1,167 messages); a fifth blind file measures the next
  round.

## Eleventh round (dev only, 2026-11-22, engineer N11)

- Rule, fixed before the runs: ship if the strict macro-F1 of nlu/eval/dev_hand4.yml + dev_hand5.yml together (792
  messages) rises, dev_real propose recall stays ≥ 0.99, dev_real out_of_scope recall falls by at most 0.003, and
  tests/rasa/test_hard_cases.py, tests/rasa/test_eval_nlu.py and `rasa data validate` pass. `PYTHONPATH=.
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 .venv-rasa/bin/python -m bench.eval_nlu --dev --show-dev-misses` (mecab),
  load 2.0-3.9.
- (1) Lead's decision, as in round 10: the second blind file, dev_hand3.yml (375), became training data,
  nlu/data/hand_written3.yml, built the same way (370 kept, 5 equal to a held-out message left out, entities
  annotated, one wrong tag inside 비전공자 removed). DEV_HAND_FILES is now dev_hand4 + dev_hand5. Hand macro-F1 0.891
  -> **0.899** (accuracy 0.888 -> 0.902; dev_hand4 0.870 -> 0.880, dev_hand5 0.909 -> 0.917), propose 0.990 =,
  out_of_scope 0.970 =; out_of_scope -> ask_program 19 -> 18.
- (2) Other cities' programmes. Round 10's diagnosis: training petitions name other cities as propose, so lines
  naming another city's AI programme as out_of_scope cost petition titles. So 28 propose lines about Gwangju problems
  that name another city in passing (nlu/data/propose_other_cities.yml: "서울시처럼 광주에도 ...", "부산보다 ...")
  went in together with round 10's AI-only other-region lines (nlu/data/other_regions.yml: 30 out_of_scope, 10
  Gwangju ask_program contrasts; one line close to a later dev message left out). Hand macro-F1 0.899 -> **0.911**
  (accuracy 0.909; dev_hand4 0.896, dev_hand5 0.923), out_of_scope -> ask_program 18 -> 9, out_of_scope F1 0.655 ->
  0.711, ask_program F1 0.870 -> 0.905, goodbye 0.835 -> 0.900; propose 0.990 -> 0.992 (496/500), out_of_scope 0.970
  -> 0.968 (one message); parse p95 17.0 ms; hard cases pass (an NLU-only model trained outside models/). Shipped.
  Caveat: the propose lines were written after round 10's dev-miss printout; two share a subject with two dev_hand5
  misses (trigram similarity ≤ 0.17), and both of those are still missed.
- Left out: round 10's 42 KakaoTalk-register goodbye/help lines with support stories (0.910, propose 0.988) and the
  14 support stories alone (0.906). Remaining dev losses: small intents -> out_of_scope (~25: affirm, greet, goodbye,
  help, bot_challenge, deny), ask_program -> out_of_scope 7 (long life stories), other-city questions about
  대전/세종/부산 -> ask_program 9. No `rasa train` timing this round.
- **Fifth blind file, scored once** (`make eval-nlu`, 23:12-23:25 UTC, load ~2 with the knowledge-base scoring in its
  first minutes; blind scoring 1, real_heldout2 scoring 5): mecab **0.907** macro-F1 (accuracy 0.887), kiwi 0.913,
  okt 0.901. mecab meets 2 of 4 targets: out_of_scope recall 0.970 on real_heldout2 and p95 18.0 ms, but propose
  recall on the 600 old titles fell to **0.968 (581/600; was 584)**, under 0.97 by one title; kiwi also 2 of 4
  (580/600), okt 1 (p95 41 ms); mecab stays the winner on the tie-break (macro-F1 to two decimals equal, lower p95).
  This is the cost round 10 measured on the dev titles for lines about other cities (region names become evidence
  for out_of_scope); round 11's Gwangju propose lines that name other cities held the dev titles (496/500) but not
  the held-out ones. Not reverted: the held-out files are not where data is chosen, and the old test.yml fell too
  (0.972 -> 0.960) on the same run. Its losses (mecab): help recall 0.774 (-> out_of_scope 6), out_of_scope precision
  0.612 (-> ask_program 6, -> propose 2), support_proposal -> propose 4, check_status recall 0.870 (-> out_of_scope
  3, -> propose 2), propose precision 0.814. Writers of a new register (voice input of people in their 60s-80s,
  gamers, official style) again land at ~0.91 (fourth file 0.909). Then (23:26 UTC) the file became development
  data, nlu/eval/dev_hand6.yml (`--dev` scores dev_hand4, 5 and 6: 1,165 messages).

## Twelfth round (dev only, 2026-11-23, engineer N12)

- Rule, fixed before the runs: ship if the strict macro-F1 of nlu/eval/dev_hand4 + dev_hand5 + dev_hand6 together
  (1,165 messages) rises, dev_real propose recall stays ≥ 0.99, dev_real out_of_scope recall falls by at most 0.003,
  and tests/rasa/test_hard_cases.py, tests/rasa/test_eval_nlu.py and `rasa data validate` pass. `PYTHONPATH=.
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 .venv-rasa/bin/python -m bench.eval_nlu --dev --show-dev-misses` (mecab),
  load 2.5-3.5.
- (1) Lead's decision: every blind file so far came from a new register of writers and landed at ~0.91, and what
  moved it was training on hand-written text of other registers. So three more writers wrote NEW training files,
  blind to the repository (the prompt, the intents' definitions and a persona only; intents only, 40 per intent,
  480 each; 2026-11-23 00:44-00:47 UTC): D1 parents in an apartment community chat, D2 young tech workers with
  Konglish and retired civil servants in formal 합쇼체, D3 the hardest intent boundaries (help vs chit-chat, support
  vs a new proposal, a status question told as a story, yes/no with a reason, other cities vs Gwangju, ask_program
  inside a life story). The personas were chosen by the lead to differ from those of the blind writers of the same
  hour. They became nlu/data/hand_written_d1/d2/d3.yml, built like rounds 10-11: entities annotated by
  entities.yml's rules, 6 wrong or misaligned tags removed (비전 inside 비전공자, GPU 클러스터, three tags ending inside
  a word); 418 messages equal to an nlu/data message or an earlier line, 67 equal to a dev message and 15 equal to a
  held-out message left out; none dropped as wrongly labelled (all 1,440 read); 940 kept. Hand macro-F1 0.910 ->
  **0.934** (accuracy 0.902 -> 0.938; dev_hand4 0.896 -> 0.912, dev_hand5 0.923 -> 0.943, dev_hand6 0.907 -> 0.947);
  ask_program -> out_of_scope 11 -> 5, help -> out_of_scope 10 -> 3; propose 0.992 =, out_of_scope 0.968 -> 0.967
  (one text).
- (2) Training time: cold `rasa train` (fresh Rasa cache directory, --force, one TF and BLAS thread, outside models/)
  199 s user CPU / 3:57 wall before, 241 s / 4:49 with the new files (+21%; load 3.2 at the start against 1.2). DIET
  epochs 20 -> 16 gives it back: 179 s user / 3:41 wall (load 1.4-2.0). Hand macro-F1 **0.933** (dev_hand4 0.917,
  dev_hand5 0.940, dev_hand6 0.944), propose 0.994 (497/500), out_of_scope 0.970 (582/600), parse p95 27.2 ms at load
  3.5; ask_program -> out_of_scope 11 -> 3, help -> out_of_scope 10 -> 4, support_proposal -> propose 8 -> 3 against
  the before; hard cases pass (a model trained outside models/). Shipped: the three files and 16 epochs. Round 10's "cheapest
  next lever" (the linear stage reusing the tokenizer's analyses) is worth about 2 s with mecab (0.13 ms per text,
  ~10^4 texts), so it was not built. Wall time stayed over 3 minutes in every run on the shared machine (82-85% of a
  core); CI's quiet fresh clones are the figure for the target.
- (3) Left out: the linear stage's propose log_prior 0.25 -> 0.35 (dev titles 497/500 =, one title moved from
  out_of_scope to the fallback; hand 0.933 with one support message fewer). Remaining dev losses: out_of_scope ->
  ask_program 13 (other cities' programmes), small intents -> out_of_scope (~25), goodbye F1 0.912 -> 0.875 and greet
  0.899 -> 0.886.

- **Sixth blind file, scored once** (`make eval-nlu`, 2026-11-23 01:30-01:44 UTC, load ~2 with the knowledge-base
  scoring; blind scoring 1, real_heldout2 scoring 6): mecab **0.964** macro-F1, kiwi **0.957** (accuracy 0.950),
  okt 0.946. mecab and kiwi each meet all 4 targets: blind macro-F1 ≥ 0.95; out_of_scope recall on
  real_heldout2 0.966 / 0.965; propose recall on the 600 old titles 0.972 (583/600) for both; parse p95 20.3 / 16.5
  ms; okt meets 1 (p95 59 ms). By the rule fixed on 2026-11-22 (most targets, then blind macro-F1 to two decimals,
  then the faster p95) kiwi wins (0.96 = 0.96, 16.5 < 20.3 ms), the same rule that kept mecab after the second and
  fifth files: the project's analyzer becomes kiwi (config.yml, KoreanTokenizer and LinearIntentClassifier). Every
  round since the sixth was tuned with mecab; dev runs now need `--analyzers kiwi`. kiwi's losses: out_of_scope F1
  0.841 (-> ask_program 2, -> propose 2), goodbye recall 0.833, support_proposal -> propose 2, bot_challenge ->
  out_of_scope 2.
- Reading (lead): four blind files from four new registers had landed at ~0.91; this one, after the twelfth round's
  three training files from new writers, at 0.96. Those writers got the same brief as the blind writers (the
  intents' definitions, the styles, the near-miss instructions) with other personas, so part of the gain is the
  shared brief: the blind files measure new personas of the same writing process, not real citizens. The real-text
  targets (petition titles and everyday utterances from ../shared/data) are the independent check, and they held:
  propose 0.972 on 600 titles (one title above the target; files scored 17 and 11 times) and out_of_scope 0.965 on
  1,000 utterances (scored 6 times). Then (01:50 UTC) the file became development data, nlu/eval/dev_hand7.yml
  (`--dev` scores dev_hand4 to 7: 1,504 messages).

## FallbackClassifier threshold (tuned on dev data, not on the held-out files)

`python -m bench.eval_nlu --analyzers kiwi --tune-threshold` trains on nlu/data minus a stratified 20% of the
hand-written examples (seed 7) and sweeps the threshold on those 345 hand-written examples plus the 800 real texts of
nlu/eval/dev_real.yml. Rule: the highest mean of the three quality columns. Run 2026-11-22 01:01 UTC with this data
and pipeline (kiwi, 30 epochs, load average 2-3), as printed:

| threshold | macro-F1 (dev hand-written, fallback ok for OOS) | in-scope → fallback | propose recall (dev real) | OOS caught (dev real) | mean |
|---|---|---|---|---|---|
| 0.30 | 0.830 | 0.010 | 0.965 | 0.962 | 0.919 |
| 0.35 | 0.826 | 0.021 | 0.965 | 0.962 | 0.918 |
| 0.40 | 0.819 | 0.031 | 0.965 | 0.962 | 0.915 |
| 0.45 | 0.821 | 0.058 | 0.965 | 0.965 | 0.917 |
| 0.50 | 0.812 | 0.079 | 0.965 | 0.965 | 0.914 |
| 0.60 | 0.814 | 0.084 | 0.960 | 0.972 | 0.915 |
| 0.70 | 0.812 | 0.105 | 0.960 | 0.978 | 0.917 |
| 0.80 | 0.775 | 0.147 | 0.950 | 0.980 | 0.902 |
| 0.90 | 0.716 | 0.204 | 0.945 | 0.983 | 0.882 |

Rows 0.55, 0.65, 0.75, 0.85 and 0.95 are left out here (they continue the trend; the command prints all).
Chosen by the rule: 0.30 (config.yml; 0.35 before, a difference of 0.001 in the mean, i.e. noise: higher thresholds
send more in-scope dev messages to the fallback for a little more out_of_scope caught). The held-out sweep above is
only a what-if report. Dev figures are lower than held-out ones because the dev model lacks 20% of the hand-written
data.

## Pipeline choices (development runs on this machine, mecab, same held-out data)

- DIET epochs 40 -> 30 with the 2026-11-22 training sample (~5,500 examples): same dev recalls (table above),
  shorter training.
- DIET epochs 80 -> 40 with the larger training sample: the same data trained 358 s (80 epochs) vs 242 s (40) in
  two development runs under load, macro-F1 0.933 vs 0.941, propose recall 0.977 vs 0.970, out_of_scope recall
  0.903 vs 0.907 (held-out, kiwi): within noise, so the faster one.
- DIET without a transformer layer (measured at 80 epochs): one transformer layer (128 units, 50 epochs) gave the same intent
  figures within noise (macro-F1 0.938 vs 0.937, propose recall 0.963 vs 0.973, out_of_scope recall 0.853 vs 0.860)
  and took 2.5x longer to train (284 s vs 109 s under load); the entity context it added is replaced by the
  lookup features and `nlu.rasa_components.EntityResolver` (entity F1 0.887 -> 0.972 with it).
- EntityResolver: one entity per span (DIET and the regex both find receipt numbers), canonical receipt numbers,
  district/topic kept only where a known name overlaps (DIET tagged stray morphemes such as 월 or 데 as topics:
  topic precision 0.56 -> 0.97), and known Gwangju names at the start of a word added where DIET missed them.
- One TensorFlow thread (TF_INTER_OP/INTRA_OP_PARALLELISM_THREADS=1): on 2 cores shared with other processes the
  DIET epochs ran ~40% faster and parsing p95 fell from ~30-50 ms to ~12-18 ms (earlier session; this evaluation
  always runs with one thread).
- Full `rasa train` (NLU + dialogue policies, 2026-11-21, this data and pipeline, TEDPolicy still configured):
  `time make train` 4 min 43 s wall, 3 min 17 s user CPU (load average 1.9 at the start, 4.1 at the end, other
  engineers' jobs running); the same training with one TF thread and the cache off, right after: 5 min 32 s wall,
  2 min 58 s user CPU (load 4.1 -> 3.0). Under this load the wall time says little; the CPU time fell ~10%. The
  3-minute target was not shown under that load. After 30 more training examples, on a calmer moment: `time make
  train` 2 min 36 s wall, 3 min 13 s user CPU (load average 1.3 at the start, 1.9 at the end) - within 3 minutes.
- NoWordsGuard also ignores terminal escape sequences (ESC[31m): with the larger petition sample DIET called the
  control-character message of tests/rasa/test_bad_input.py a proposal (the letters and digits of "[31m").
- Okt needs care with long input: a run of 2,000 equal syllables took ~40 s, so nlu/korean.py analyses short chunks
  and passes runs of one repeated character through as one token (bad-input tests in tests/rasa/).
- Known limits: everyday statements that mention a public thing (a bus, a park) are sometimes taken for propose;
  the FallbackClassifier catches part of the rest. Counting nlu_fallback with out_of_scope is fair for the citizen:
  bot/data/_shared.yml answers out_of_scope with utter_out_of_scope and nlu_fallback with utter_default, and both
  (bot/domain/_shared.yml) carry the same three buttons (AI 사업 알아보기, 생활 불편 제안하기, 도움말); only the
  apology sentence differs.
"""


if __name__ == "__main__":
    raise SystemExit(main())
