"""Content lemmas for many texts at once, fast enough for a full re-cluster of ~86k proposals.

`nlu.korean.content_lemmas` builds a `Morpheme` per token (exact offsets, gap filling) which costs more than the
analysis itself; bulk embedding only needs the lemma strings. For the mecab analyzer this module reads MeCab's
own output directly (about twice as fast) with the same tag filter; other analyzers use `content_lemmas`.
Worker processes are optional (`n_jobs`): measured on this 2-core machine, starting them costs more than the
analysis of 86k titles (about 4 s on one core), so the default is one process.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache

from nlu.korean import Morpheme, clean, content_lemmas, get_analyzer


@lru_cache(maxsize=256)
def _is_content(pos: str) -> bool:
    # Same tag filter as nlu.korean (Morpheme.is_content), so labels and embeddings agree on what a word is.
    return Morpheme("", "", pos, 0, 0).is_content


# Topic labels read best as nouns (and foreign words, roots): "가로등 · 골목" rather than verb stems.
_LABEL_PREFIXES = ("NNG", "NNP", "SL", "SH", "XR", "Noun", "Alpha", "Foreign")


def is_label_pos(pos: str) -> bool:
    return pos.startswith(_LABEL_PREFIXES)


class _MecabLemmatizer:
    def __init__(self) -> None:
        import _mecab  # the C extension behind python-mecab-ko
        import mecab_ko_dic
        from mecab.mecab import _rcfile_option

        self._mecab = _mecab
        self._tagger = _mecab.Tagger([*_rcfile_option, "--dicdir", str(mecab_ko_dic.dictionary_path)])

    def __call__(self, text: str, label_terms: bool = False) -> list[str]:
        text = clean(text)
        if not text.strip():
            return []
        keep = is_label_pos if label_terms else _is_content
        lattice = self._mecab.Lattice()
        lattice.add_request_type(self._mecab.MECAB_ALLOCATE_SENTENCE)
        lattice.set_sentence(text)
        if not self._tagger.parse(lattice):
            return _generic(text, "mecab", label_terms)
        out = []
        for line in lattice.to_string().split("\n"):
            surface, sep, feature = line.partition("\t")
            if not sep:
                continue  # "EOS" and the trailing empty line
            if keep(feature.split(",", 1)[0].split("+", 1)[0]):
                out.append(surface.lower())
        return out


@lru_cache(maxsize=4)
def _lemmatizer(analyzer: str):
    if analyzer == "mecab":
        try:
            return _MecabLemmatizer()
        except ImportError:  # pragma: no cover - python-mecab-ko internals changed: fall back to the slow path
            pass
    return lambda text, label_terms=False: _generic(text, analyzer, label_terms)


def _generic(text: str, analyzer: str, label_terms: bool) -> list[str]:
    if not label_terms:
        return content_lemmas(text, analyzer)
    return [m.lemma.lower() for m in get_analyzer(analyzer).analyze(text) if is_label_pos(m.pos)]


def label_terms(texts: Sequence[str], analyzer: str | None = None) -> list[list[str]]:
    """Nouns, foreign words and roots of each text: the vocabulary of topic labels."""
    lemmatize = _lemmatizer((analyzer or os.environ.get("ANALYZER") or "mecab").lower())
    return [lemmatize(t, True) for t in texts]


def _lemma_docs(texts: Sequence[str], analyzer: str) -> list[str]:
    lemmatize = _lemmatizer(analyzer)
    return [" ".join(lemmatize(t)) for t in texts]


def lemma_docs(texts: Sequence[str], analyzer: str | None = None, n_jobs: int = 1) -> list[str]:
    """Each text as its space-joined content lemmas (lower-cased)."""
    analyzer = (analyzer or os.environ.get("ANALYZER") or "mecab").lower()
    texts = list(texts)
    if n_jobs <= 1 or len(texts) < 2 * n_jobs:
        return _lemma_docs(texts, analyzer)
    from joblib import Parallel, delayed

    size = -(-len(texts) // n_jobs)
    chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
    parts = Parallel(n_jobs=n_jobs)(delayed(_lemma_docs)(c, analyzer) for c in chunks)
    return [doc for part in parts for doc in part]
