"""Question bank: a classifier learnt from labelled questions (which entry answers them, or none).

The hand-written signals (BM25, coverage, fact rules) carry over poorly to a new writer's wording; 1,700 labelled
development questions over 21 entries are an intent-classification data set of their own. The bank is a
multinomial logistic regression over character 2-4-grams of the normalised, spacing-free question and its content
lemmas (with the lexicon's synonyms), with one class per entry and a null class for questions the seeds do not
answer. It gives two confidence features (knowledge/search.py): `qb`, the probability of the top-ranked entry, and
`qnull`, the probability that the question is one the knowledge base cannot answer.

At run time it is fitted on knowledge/eval/questions.yml plus the entries' own example questions and rebuilt with
the index. The fit takes ~30 s for ~14,000 questions, so the fitted state is cached on disk (`save`/`load`, keyed
by the search's inputs, see KnowledgeBase._bank): a restart with unchanged files loads it in under a second. The
evaluation (bench/eval_kb.py) fits it only on the questions a fold is tuned on, and the calibrator sees cross-fitted
probabilities (each question scored by a bank that never saw its batch), as a new writer would.
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import yaml

log = logging.getLogger(__name__)

QUESTIONS_PATH = Path(__file__).with_name("eval") / "questions.yml"
NULL = ""  # the class of questions the knowledge base cannot answer
CHAR_NGRAMS = (2, 3, 4)
REGULARIZATION = 16.0  # LogisticRegression C, chosen leave-one-batch-out (docs/knowledge.md): 4, 8, 16 tried
MIN_CLASSES = 2
_serial = itertools.count()


def load_labelled(path: Path, ids: set[str]) -> list[tuple[str, str | None, str]]:
    """(question, context or None, label) for every question whose expected entries all exist; label is the first
    expected id, or NULL for a question the seeds do not answer. A missing or broken file gives nothing."""
    try:
        # The C loader when PyYAML has it: 2,000 questions take ~1.5 s with the pure-Python one.
        raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        log.warning("question bank: %s not usable (%s)", path, exc)
        return []
    items = raw.get("questions") if isinstance(raw, dict) else None
    out = []
    for item in items or ():
        if not isinstance(item, dict) or not str(item.get("q") or "").strip():
            continue
        expect = item.get("expect")
        expect = [] if expect is None else ([expect] if isinstance(expect, str) else list(expect))
        if any(e not in ids for e in expect):
            continue
        context = item.get("context")
        out.append((str(item["q"]), context if context in ids else None, expect[0] if expect else NULL))
    return out


class QuestionBank:
    """P(entry | question) and P(none | question) from labelled examples.

    `tokens(text)` turns a question into its features (character n-grams and lemmas, see _Index.bank_tokens): the
    bank itself knows nothing of Korean, so the same normalisation serves the search and the bank."""

    def __init__(self, tokens: Callable[[str], list[str]], entry_ids: Sequence[str],
                 texts: Sequence[str], labels: Sequence[str], c: float = REGULARIZATION) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._init(tokens, entry_ids)
        keep = [(t, y) for t, y in zip(texts, labels) if y == NULL or y in self.position]
        self.classes = sorted({y for _, y in keep})
        if len(self.classes) < MIN_CLASSES:
            return
        self.vectorizer = TfidfVectorizer(analyzer=lambda toks: toks, sublinear_tf=True, min_df=1,
                                          dtype=np.float64)
        x = self.vectorizer.fit_transform([tokens(t) for t, _ in keep])
        self.vocab = self.vectorizer.vocabulary_
        self.idf = self.vectorizer.idf_
        model = LogisticRegression(C=c, max_iter=3000).fit(x, [y for _, y in keep])
        coef = model.coef_
        if len(self.classes) == 2:  # sklearn keeps one row for two classes
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-model.intercept_[0], model.intercept_[0]])
        else:
            intercept = model.intercept_
        # Dense (features x classes) weights: a question has a few dozen features, so scoring is a row gather.
        self._set_state([str(y) for y in model.classes_], np.ascontiguousarray(coef.T), intercept)

    def _init(self, tokens: Callable[[str], list[str]], entry_ids: Sequence[str]) -> None:
        self.serial = next(_serial)  # identifies this fit in caches (the evaluation fits many)
        self.tokens = tokens
        self.entry_ids = list(entry_ids)
        self.position = {e: i for i, e in enumerate(self.entry_ids)}
        self.n_entries = len(self.entry_ids)
        self.classes: list[str] = []
        self.weights: np.ndarray | None = None

    def _set_state(self, model_classes: list[str], weights: np.ndarray, bias: np.ndarray) -> None:
        self.model_classes = model_classes  # the order of the weights' columns
        self.weights = weights
        self.bias = bias
        self.slot = np.array([self.position.get(y, -1) for y in model_classes])

    @property
    def fitted(self) -> bool:
        return self.weights is not None

    # ------------------------------------------------------------------ cache
    def save(self, path: Path) -> None:
        """The fitted state as one .npz file (plain arrays, no pickle), written atomically: the action server and
        the tests' stacks may share a cache directory."""
        if not self.fitted:
            raise ValueError("an unfitted bank has nothing to save")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        vocab = sorted(self.vocab, key=self.vocab.__getitem__)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bank-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as f:
                # The vocabulary as UTF-8 JSON bytes: a unicode array would pad every token to the longest one.
                np.savez(f, vocab=np.frombuffer(json.dumps(vocab, ensure_ascii=False).encode(), dtype=np.uint8),
                         idf=self.idf, weights=self.weights, bias=self.bias,
                         model_classes=np.array(self.model_classes, dtype=str),
                         entry_ids=np.array(self.entry_ids, dtype=str))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path, tokens: Callable[[str], list[str]],
             entry_ids: Sequence[str]) -> QuestionBank | None:
        """A bank saved by `save` for the same entries, or None (missing, unreadable, or for other entries)."""
        try:
            with np.load(path, allow_pickle=False) as z:
                state = {k: z[k] for k in z.files}
            if state["entry_ids"].tolist() != list(entry_ids):
                return None
            bank = cls.__new__(cls)
            bank._init(tokens, entry_ids)
            bank.vocab = {t: j for j, t in enumerate(json.loads(state["vocab"].tobytes().decode()))}
            bank.idf = state["idf"]
            model_classes = state["model_classes"].tolist()
            bank.classes = sorted(model_classes)
            bank._set_state(model_classes, state["weights"], state["bias"])
            os.utime(path)  # recently used: the cache's pruning keeps it
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:  # truncated or foreign: refit
            log.warning("question bank cache %s not usable (%s)", Path(path).name, exc)
            return None
        return bank

    def scores(self, text: str) -> tuple[np.ndarray, float]:
        """(probability per entry index, probability of no entry); zeros when the bank has nothing to go on.

        The TF-IDF weighting is applied by hand (the vectorizer's transform costs ~2 ms of validation per call)."""
        probs = np.zeros(self.n_entries)
        if self.weights is None:
            return probs, 0.0
        counts: dict[int, int] = {}
        for tok in self.tokens(text):
            j = self.vocab.get(tok)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        z = self.bias.copy()
        if counts:
            cols = np.fromiter(counts, dtype=np.int64)
            w = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * self.idf[cols]
            w /= np.linalg.norm(w)
            z = z + w @ self.weights[cols]
        z -= z.max()
        p = np.exp(z)
        p /= p.sum()
        null = 0.0
        for k, slot in enumerate(self.slot):
            if slot >= 0:
                probs[slot] = p[k]
            else:
                null = float(p[k])
        return probs, null
