"""A fast linear intent classifier: TF-IDF of character n-grams and morpheme lemmas -> logistic regression (SGD).

Optional: a shape view of the morphemes with the subject words masked (join_shape) and, at fit time, copies of the
complaints with another subject word (swap_subjects): both make the propose decision depend less on the subject.

Imports no Rasa (the Rasa adapter is nlu.rasa_components.LinearIntentClassifier). It is cheap to train, so it can
learn from far more real text than DIET can afford in the training-time budget, and its probabilities are blended
with DIET's ranking (blend_ranking).

Persisted without pickle: the vocabularies go to JSON and the idf, coefficients and intercepts to a .npz file
(allow_pickle=False), so loading a model never executes code.
"""
from __future__ import annotations

import json
import math
import random
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlu.korean import tokens

_SPACES = re.compile(r"\s+")
_VOCAB_FILE = "linear_intents.json"
_ARRAYS_FILE = "linear_intents.npz"
SEED = 2026
MAX_CHARS = 500  # a 2,000-character message adds nothing a classifier of short texts can use, only time


def _char_text(text: str) -> str:
    """Lower-cased, spacing removed: 데이터센터언제열어요 and 데이터 센터 언제 열어요 give the same n-grams."""
    return _SPACES.sub("", (text or "")[:MAX_CHARS].lower())


def join_lemmas(lemmas: Iterable[str]) -> str:
    """The word view of a text: its lemmas, lower-cased, joined by spaces."""
    return " ".join(lemma.lower() for lemma in lemmas if not lemma.isspace())


# Content nouns, names, numbers and foreign words: what a complaint is ABOUT. The shape view writes their tag instead
# of the word, so "육교 고장 수리 요청" and "비둘기 ... 요청" share "N N 요청/NNG"-like n-grams only through the words
# that say what is asked or what is wrong, which do not depend on the subject.
_SUBJECT_TAGS = ("NNG", "NNP", "NR", "SL", "SH", "SN", "XR")


def join_shape(morphemes: Iterable[tuple[str, str]], keep: frozenset[str] | set[str] = frozenset()) -> str:
    """The shape view of a text from (lemma, pos) pairs: subject words -> their tag ("N" for nouns) unless in `keep`
    (request and problem words: 요청, 개선, 불편 ...), other morphemes -> lemma/tag; <s> and </s> mark the ends, so
    the sentence-final ending (해주세요, 바랍니다, 했어, 네) is a feature of its own."""
    out = ["<s>"]
    for lemma, pos in morphemes:
        if not lemma or lemma.isspace() or not pos:
            continue
        tag = pos.split("+")[0]
        low = lemma.lower()
        if tag.startswith(_SUBJECT_TAGS) and low not in keep:
            out.append("N" if tag.startswith("N") else tag)
        else:
            out.append(f"{low}/{tag}")
    return " ".join(out + ["</s>"])


class LinearIntentModel:
    """fit(texts, labels) / predict_proba(texts) -> (classes, probabilities); deterministic (fixed SGD seed).

    SGD with the log loss (one-vs-rest, probabilities renormalised): ~3 s on ~15,000 texts where lbfgs took ~35 s
    for the same dev recalls (docs/nlu.md)."""

    # The constructor's settings: saved with the model, and what a configuration may set (the Rasa adapter).
    SETTINGS = ("analyzer", "char_ngrams", "word_ngrams", "max_char_features", "max_word_features", "alpha",
                "use_lemmas", "shape_ngrams", "shape_keep", "swap_words", "swap_copies")

    def __init__(self, analyzer: str = "kiwi", char_ngrams: tuple[int, int] = (1, 3), word_ngrams: tuple[int, int] = (1, 2),
                 max_char_features: int = 60000, max_word_features: int = 30000, alpha: float = 1e-5,
                 use_lemmas: bool = True, shape_ngrams: tuple[int, int] = (0, 0),
                 shape_keep: Sequence[str] = (), swap_words: Sequence[str] = (), swap_copies: int = 0) -> None:
        self.analyzer = analyzer
        self.char_ngrams = tuple(char_ngrams)
        self.word_ngrams = tuple(word_ngrams)
        self.max_char_features = max_char_features
        self.max_word_features = max_word_features
        self.alpha = alpha
        self.use_lemmas = use_lemmas
        # Shape view (join_shape) n-gram range; (0, 0) = off (models saved before it existed load with it off).
        self.shape_ngrams = tuple(shape_ngrams)
        self.shape_keep = sorted({w.lower() for w in shape_keep})
        self._keep = frozenset(self.shape_keep)
        # Subject-swap augmentation at fit time (swap_subjects); no effect on prediction.
        self.swap_words = sorted(set(swap_words))
        self.swap_copies = int(swap_copies)
        self.classes: list[str] = []
        self._char = None
        self._word = None
        self._shape = None
        self._coef: np.ndarray | None = None
        self._intercept: np.ndarray | None = None

    # ------------------------------------------------------------ features
    @property
    def use_shape(self) -> bool:
        return self.shape_ngrams[0] > 0

    def views(self, morphemes: Sequence[tuple[str, str]]) -> tuple[str, str]:
        """(lemma view, shape view) of an analysed text's (lemma, pos) pairs."""
        return join_lemmas(m for m, _ in morphemes), join_shape(morphemes, self._keep)

    def _analyse(self, text: str) -> tuple[str, str]:
        # Strings of tokens joined by spaces; the word and shape vectorizers split on spaces only.
        try:
            return self.views([(m.lemma, m.pos) for m in tokens((text or "")[:MAX_CHARS], self.analyzer)])
        except Exception:  # noqa: BLE001 - an analyzer failure must not lose the character features
            return "", "<s> </s>"

    def _vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        char = TfidfVectorizer(analyzer="char", ngram_range=self.char_ngrams, preprocessor=_char_text,
                               sublinear_tf=True, max_features=self.max_char_features, dtype=np.float32)
        word = TfidfVectorizer(analyzer="word", ngram_range=self.word_ngrams, token_pattern=r"\S+", lowercase=False,
                               sublinear_tf=True, max_features=self.max_word_features, dtype=np.float32)
        shape = None
        if self.use_shape:
            shape = TfidfVectorizer(analyzer="word", ngram_range=self.shape_ngrams, token_pattern=r"\S+",
                                    lowercase=False, sublinear_tf=True, min_df=2, dtype=np.float32)
        return char, word, shape

    def _features(self, texts: Sequence[str], views: Sequence[tuple[str, str] | None] | None = None):
        """`views`: per text, its (lemma view, shape view) when the caller already analysed it (the Rasa tokenizer
        did, with the same nlu.korean.tokens), or None to analyse it here."""
        from scipy.sparse import hstack

        texts = [t if isinstance(t, str) else "" for t in texts]
        blocks = [self._char.transform(texts)]
        if self.use_lemmas or self.use_shape:
            given = list(views) if views is not None else [None] * len(texts)
            done = [g if g is not None else self._analyse(t) for t, g in zip(texts, given)]
            if self.use_lemmas:
                blocks.append(self._word.transform([v[0] for v in done]))
            if self.use_shape:
                blocks.append(self._shape.transform([v[1] for v in done]))
        return hstack(blocks).tocsr()

    # ------------------------------------------------------------ training and prediction
    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> LinearIntentModel:
        from sklearn.linear_model import SGDClassifier

        texts = [t if isinstance(t, str) else "" for t in texts]
        if len(texts) != len(labels) or len(set(labels)) < 2:
            raise ValueError("need as many labels as texts and at least two intents")
        texts, labels = swap_subjects(texts, list(labels), self.swap_words, self.swap_copies)
        views = [self._analyse(t) for t in texts] if self.use_lemmas or self.use_shape else None  # the slow part
        self._char, self._word, self._shape = self._vectorizers()
        self._char.fit(texts)
        if self.use_lemmas:
            self._word.fit([v[0] for v in views])
        if self.use_shape:
            self._shape.fit([v[1] for v in views])
        x = self._features(texts, views)
        # class_weight balanced: the real pool has ~10x more out_of_scope rows than the small intents have examples.
        clf = SGDClassifier(loss="log_loss", alpha=self.alpha, class_weight="balanced", max_iter=50, tol=1e-4,
                            random_state=SEED)
        with warnings.catch_warnings():  # a tiny training set may stop at max_iter: not an error here
            warnings.simplefilter("ignore")
            clf.fit(x, list(labels))
        self.classes = [str(c) for c in clf.classes_]
        self._coef = clf.coef_.astype(np.float32)
        self._intercept = clf.intercept_.astype(np.float32)
        return self

    def predict_proba(self, texts: Sequence[str],
                      views: Sequence[tuple[str, str] | None] | None = None) -> tuple[list[str], np.ndarray]:
        if self._coef is None:
            raise RuntimeError("the model is not trained")
        scores = self._features(texts, views) @ self._coef.T + self._intercept
        scores = np.asarray(scores, dtype=np.float64)
        if len(self.classes) == 2:  # a binary SGD model has one row of coefficients, for classes[1]
            scores = np.hstack([-scores, scores])
        # One-vs-rest: each class's own logistic probability, renormalised over the classes (as sklearn does).
        probs = 1.0 / (1.0 + np.exp(-np.clip(scores, -50, 50)))
        total = probs.sum(axis=1, keepdims=True)
        return self.classes, np.where(total > 0, probs / np.maximum(total, 1e-12), 1.0 / len(self.classes))

    def proba_dict(self, text: str, views: tuple[str, str] | None = None) -> dict[str, float]:
        classes, probs = self.predict_proba([text], [views])
        return {c: float(p) for c, p in zip(classes, probs[0])}

    # ------------------------------------------------------------ persistence (no pickle)
    def _settings(self) -> dict[str, Any]:
        settings = {k: getattr(self, k) for k in self.SETTINGS}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}  # JSON has no tuples

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        vocab = {"settings": self._settings(), "classes": self.classes,
                 "char_vocabulary": {k: int(v) for k, v in self._char.vocabulary_.items()},
                 "word_vocabulary": {k: int(v) for k, v in self._word.vocabulary_.items()} if self.use_lemmas else {},
                 "shape_vocabulary": {k: int(v) for k, v in self._shape.vocabulary_.items()} if self.use_shape else {}}
        (directory / _VOCAB_FILE).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        arrays = {"coef": self._coef, "intercept": self._intercept,
                  "char_idf": self._char.idf_.astype(np.float32)}
        if self.use_lemmas:
            arrays["word_idf"] = self._word.idf_.astype(np.float32)
        if self.use_shape:
            arrays["shape_idf"] = self._shape.idf_.astype(np.float32)
        np.savez(directory / _ARRAYS_FILE, **arrays)

    @classmethod
    def load(cls, directory: Path) -> LinearIntentModel:
        directory = Path(directory)
        vocab = json.loads((directory / _VOCAB_FILE).read_text(encoding="utf-8"))
        model = cls(**vocab["settings"])  # the constructor makes tuples of the n-gram ranges
        with np.load(directory / _ARRAYS_FILE, allow_pickle=False) as arrays:
            model._coef, model._intercept = arrays["coef"], arrays["intercept"]
            char, word, shape = model._vectorizers()
            char.vocabulary = vocab["char_vocabulary"]
            char._validate_vocabulary()
            char.idf_ = arrays["char_idf"]
            model._char = char
            if model.use_lemmas:
                word.vocabulary = vocab["word_vocabulary"]
                word._validate_vocabulary()
                word.idf_ = arrays["word_idf"]
            model._word = word
            if model.use_shape:
                shape.vocabulary = vocab["shape_vocabulary"]
                shape._validate_vocabulary()
                shape.idf_ = arrays["shape_idf"]
            model._shape = shape
        model.classes = list(vocab["classes"])
        return model


def swap_subjects(texts: Sequence[str], labels: Sequence[str], words: Sequence[str], copies: int,
                  intent: str = "propose", seed: int = SEED) -> tuple[list[str], list[str]]:
    """Texts and labels plus, for each `intent` text naming one of `words` (complaint subjects: 육교, 비둘기, 버스 ...),
    `copies` copies with one of those words replaced by another, drawn at random (fixed seed). The real titles
    cover few subjects (31% 미세먼지), so the model learned "미세먼지 -> propose" more than "... 대책 마련해 주세요
    -> propose"; the copies keep each title's request and change its subject (leave-subject-out on dev:
    bench/eval_nlu.py --subject-folds)."""
    texts, labels = list(texts), list(labels)
    words = sorted(set(words), key=lambda w: (-len(w), w))
    if copies <= 0 or len(words) < 2:
        return texts, labels
    pattern = re.compile("|".join(re.escape(w) for w in words))
    rng = random.Random(seed)
    extra_texts, extra_labels = [], []
    for text, label in zip(texts, labels):
        if label != intent:
            continue
        found = list(pattern.finditer(text))
        for _ in range(copies if found else 0):
            m = rng.choice(found)
            other = rng.choice([w for w in words if w != m.group()])
            extra_texts.append(text[:m.start()] + other + text[m.end():])
            extra_labels.append(label)
    return texts + extra_texts, labels + extra_labels


def shift_priors(probs: dict[str, float], log_shifts: dict[str, float] | None) -> dict[str, float]:
    """Move intents' prior odds: each probability times exp(shift), renormalised. A calibrated model that keeps
    calling borderline petition titles everyday talk needs a higher prior for propose; the shift is chosen on dev."""
    if not log_shifts:
        return probs
    moved = {n: p * math.exp(float(log_shifts.get(n, 0.0))) for n, p in probs.items()}
    total = sum(moved.values())
    return {n: v / total for n, v in moved.items()} if total > 0 else probs


def blend_ranking(ranking: Iterable[dict[str, Any]], linear: dict[str, float], weight: float,
                  intent_weights: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """(1 - w) * DIET + w * linear, per intent, sorted; an intent missing on one side counts 0 there. w is
    `intent_weights[intent]` where given, else `weight`: the linear model is trusted where it was made to help
    (propose against out_of_scope, with its pool of real text) more than on the small intents, where DIET knows better.

    DIET's ranking is cut to its top 10 (ranking_length), so the sum may be a little under 1: it is renormalised.
    Entries other than name/confidence (none today) are kept from DIET's side."""
    def clip(w: float) -> float:
        return min(max(float(w), 0.0), 1.0)

    default = clip(weight)
    per_intent = {k: clip(v) for k, v in (intent_weights or {}).items()}
    diet = {}
    extra = {}
    for r in ranking or []:
        name = r.get("name")
        if name and name != "nlu_fallback":
            diet[name] = float(r.get("confidence") or 0.0)
            extra[name] = r
    names = set(diet) | set(linear)
    mixed = {}
    for n in names:
        w = per_intent.get(n, default)
        mixed[n] = (1 - w) * diet.get(n, 0.0) + w * float(linear.get(n, 0.0))
    total = sum(mixed.values())
    if total <= 0:
        return [dict(r) for r in ranking or []]
    out = [{**extra.get(n, {}), "name": n, "confidence": v / total} for n, v in mixed.items()]
    return sorted(out, key=lambda r: (-r["confidence"], r["name"]))


def read_pool(path: Path, limits: dict[str, int] | None = None) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU YAML file without entity markup (nlu/pool/real_pool.yml, written by
    bench/sample_nlu_data.py). limits: at most n texts of a block whose metadata source is the key (dev runs)."""
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out: list[tuple[str, str]] = []
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        if not intent:
            continue
        source = (block.get("metadata") or {}).get("source", "")
        texts = [line.strip()[2:].strip() for line in str(block.get("examples") or "").splitlines()
                 if line.strip().startswith("- ")]
        if limits is not None and source in limits:
            texts = texts[:limits[source]]
        out += [(t, intent) for t in texts if t]
    return out
