"""Korean topic labels from class-based TF-IDF over morphemes (as in BERTopic's c-TF-IDF).

All texts of a topic form one "class document". A noun scores high when it is frequent in this topic and rare
across topics: tf(t, c) / |c| * log(1 + A / f(t)), with A the average number of terms per class and f(t) the term's
frequency over all classes. The label is the 2-3 best nouns that also occur in enough of the topic's proposals.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from civic.embeddings.morph import label_terms

# Words of every petition or proposal ("please", "request", "problem"): never a topic's distinctive word.
STOPWORDS = frozenset([
    "청원", "요청", "부탁", "제발", "문제", "관련", "대한", "대해", "위해", "경우", "정도", "생각", "사람", "국민", "여러분", "우리", "저희",
    "것", "수", "등", "때", "곳", "중", "좀", "더", "안", "제안", "건의", "민원", "개선", "해결", "필요", "주세요", "바랍니다", "요구",
    "촉구", "반대", "찬성", "정부", "대통령", "청와대", "합니다", "진짜", "정말", "너무",
])
MAX_DOCS_PER_TOPIC = 150  # labels from a sample: enough to find the distinctive words, cheap at 86k proposals
MIN_DOC_SHARE = 0.05  # a label word must occur in at least this share of the topic's (sampled) proposals
UNCLUSTERED_LABEL = "미분류"


def topic_labels(texts: Sequence[str], labels: np.ndarray, n_words: int = 3, analyzer: str | None = None,
                 random_state: int = 0) -> dict[int, list[str]]:
    """Distinctive words per cluster id >= 0 (best first)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(random_state)
    clusters = [int(c) for c in np.unique(labels[labels >= 0])]
    members: dict[int, np.ndarray] = {}
    for c in clusters:
        idx = np.flatnonzero(labels == c)
        if len(idx) > MAX_DOCS_PER_TOPIC:
            idx = np.sort(rng.choice(idx, MAX_DOCS_PER_TOPIC, replace=False))
        members[c] = idx
    wanted = sorted({int(i) for idx in members.values() for i in idx})
    terms = dict(zip(wanted, label_terms([texts[i] for i in wanted], analyzer)))
    return class_tfidf({c: [terms[int(i)] for i in idx] for c, idx in members.items()}, n_words)


def class_tfidf(docs_per_class: dict[int, list[list[str]]], n_words: int = 3) -> dict[int, list[str]]:
    """Top words per class from per-document term lists."""
    tf: dict[int, Counter] = {}
    df: dict[int, Counter] = {}
    for c, docs in docs_per_class.items():
        tf[c] = Counter(t for doc in docs for t in doc if _usable(t))
        df[c] = Counter(t for doc in docs for t in set(doc) if _usable(t))
    total = Counter()
    for counts in tf.values():
        total.update(counts)
    avg_terms = (sum(total.values()) / max(len(tf), 1)) or 1.0
    out: dict[int, list[str]] = {}
    for c, counts in tf.items():
        n_docs = max(len(docs_per_class[c]), 1)
        size = sum(counts.values()) or 1
        min_df = max(1, int(np.ceil(MIN_DOC_SHARE * n_docs)))
        scored = sorted(((cnt / size) * np.log(1 + avg_terms / total[t]), t) for t, cnt in counts.items()
                        if df[c][t] >= min_df)
        ranked = [t for _, t in sorted(scored, key=lambda x: (-x[0], x[1]))]
        # One-syllable nouns are often analyser fragments ("공", "시"): use them only when nothing longer is left.
        out[c] = ([t for t in ranked if len(t) > 1] + [t for t in ranked if len(t) == 1])[:n_words]
    return out


def format_label(words: Sequence[str]) -> str:
    return " · ".join(words) if words else "주제"


def _usable(term: str) -> bool:
    return term not in STOPWORDS and not term.isdigit() and len(term) <= 20
