"""Built-in Korean sentence embeddings that need no download: morphemes + character n-grams, TF-IDF, SVD.

Two sparse views of each text are weighted and stacked: content lemmas from the project's analyzer (what the text
is about) and character 2-3-grams inside words (robust to spelling variants, particles the analyzer splits oddly,
and words the dictionary does not know). Truncated SVD turns them into dense vectors where texts sharing related
words end up close (latent semantics), then rows are L2-normalised so a dot product is the cosine similarity.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from civic.embeddings.base import Embedder, blas_threads, normalize
from civic.embeddings.morph import lemma_docs

STATE_FILE = "offline.joblib"
FORMAT = 2
# Randomized SVD on a sample is as good as on everything for a few hundred components, and much faster; two power
# iterations and 20k+30k features scored the same NMI as four and 30k+60k in bench/eval_cluster.py, at half the time.
SVD_SAMPLE = 30_000
DOCS_PER_DIM = 3


class NotFittedError(RuntimeError):
    pass


class OfflineKoreanEmbedder(Embedder):
    name = "offline"

    def __init__(self, dim: int = 256, analyzer: str | None = None, word_weight: float = 1.0,
                 char_weight: float = 1.0, char_ngrams: tuple[int, int] = (2, 3), max_word_features: int = 20_000,
                 max_char_features: int = 30_000, random_state: int = 0, n_jobs: int = 1) -> None:
        self.dim = dim
        self.analyzer = (analyzer or os.environ.get("ANALYZER") or "mecab").lower()
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.char_ngrams = tuple(char_ngrams)
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.random_state = random_state
        self.n_jobs = n_jobs
        self._word: TfidfVectorizer | None = None
        self._char: TfidfVectorizer | None = None
        # (n_features, dim) float32, C-contiguous: `sparse @ dense` would otherwise copy it on every call
        self._components: np.ndarray | None = None
        self._version: str | None = None
        self.fitted_at: str | None = None
        self.n_fitted: int = 0

    # ------------------------------------------------------------------ interface
    @property
    def needs_fit(self) -> bool:
        return True

    @property
    def is_fitted(self) -> bool:
        return self._components is not None

    @property
    def version(self) -> str:
        if self._version is None:
            raise NotFittedError("the offline embedder is not fitted yet: call fit(texts) or load(dir)")
        return self._version

    @property
    def output_dim(self) -> int:
        return 0 if self._components is None else int(self._components.shape[1])

    def fit(self, texts: Sequence[str]) -> OfflineKoreanEmbedder:
        self.fit_embed(texts)
        return self

    def fit_embed(self, texts: Sequence[str]) -> np.ndarray:
        """Fit on `texts` and return their vectors, analysing each text only once."""
        with blas_threads():
            return self._fit_embed(texts)

    def _fit_embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = [t or "" for t in texts]
        if not any(t.strip() for t in texts):
            raise ValueError("cannot fit the offline embedder on no text")
        lemmas = lemma_docs(texts, self.analyzer, self.n_jobs)
        # min_df=2 drops one-off words and typos on a real corpus; a tiny corpus needs every word.
        min_df = 2 if len(texts) >= 1000 else 1
        self._word = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True, min_df=min_df,
                                     max_features=self.max_word_features, dtype=np.float32)
        self._char = TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams, lowercase=True,
                                     sublinear_tf=True, min_df=min_df, max_features=self.max_char_features,
                                     dtype=np.float32)
        x = sparse.hstack([self._fit_view(self._word, lemmas, self.word_weight),
                           self._fit_view(self._char, texts, self.char_weight)], format="csr")
        self._components = np.ascontiguousarray(self._svd(x).T)
        self.fitted_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.n_fitted = len(texts)
        self._version = self._hash_state()
        return normalize(x @ self._components)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._components is None:
            raise NotFittedError("the offline embedder is not fitted yet: call fit(texts) or load(dir)")
        texts = [t or "" for t in texts]
        if not texts:
            return np.zeros((0, self.output_dim), dtype=np.float32)
        lemmas = lemma_docs(texts, self.analyzer, self.n_jobs)
        x = sparse.hstack([self._word.transform(lemmas) * self.word_weight,
                           self._char.transform(texts) * self.char_weight], format="csr")
        return normalize(x @ self._components)

    def describe(self) -> dict:
        return {"backend": self.name, "model": f"morpheme({self.analyzer})+char{self.char_ngrams} TF-IDF + SVD",
                "version": self._version, "dim": self.output_dim, "fitted_at": self.fitted_at,
                "fitted_on": self.n_fitted}

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> Path:
        """Write the fitted state atomically (readers in other processes never see half a file)."""
        import joblib

        if self._components is None:
            raise NotFittedError("nothing to save: the offline embedder is not fitted")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = {"format": FORMAT, "params": self._params(), "word": self._word, "char": self._char,
                 "components": self._components, "version": self._version, "fitted_at": self.fitted_at,
                 "n_fitted": self.n_fitted}
        fd, tmp = tempfile.mkstemp(prefix=".offline-", suffix=".tmp", dir=directory)
        os.close(fd)
        try:
            joblib.dump(state, tmp, compress=0)
            os.replace(tmp, directory / STATE_FILE)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return directory / STATE_FILE

    @classmethod
    def load(cls, directory: str | Path) -> OfflineKoreanEmbedder:
        import joblib

        path = Path(directory) / STATE_FILE
        if not path.exists():
            raise FileNotFoundError(f"no fitted offline embedder at {path}")
        state = joblib.load(path)
        if state.get("format") != FORMAT:
            raise ValueError(f"{path} was written by another version of the offline embedder; re-cluster to refit")
        obj = cls(**state["params"])
        obj._word, obj._char = state["word"], state["char"]
        obj._components = state["components"]
        obj._version, obj.fitted_at, obj.n_fitted = state["version"], state["fitted_at"], state["n_fitted"]
        return obj

    # ------------------------------------------------------------------ internals
    def _params(self) -> dict:
        return {"dim": self.dim, "analyzer": self.analyzer, "word_weight": self.word_weight,
                "char_weight": self.char_weight, "char_ngrams": self.char_ngrams,
                "max_word_features": self.max_word_features, "max_char_features": self.max_char_features,
                "random_state": self.random_state}

    @staticmethod
    def _fit_view(vectorizer: TfidfVectorizer, docs: list[str], weight: float) -> sparse.csr_matrix:
        try:
            x = vectorizer.fit_transform(docs)
        except ValueError:  # empty vocabulary (e.g. only symbols): keep a placeholder feature
            vectorizer.fit(["_"])
            x = vectorizer.transform(docs)
        # The pruned-terms set can hold hundreds of thousands of strings and is not needed to transform.
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
        return x * weight

    def _svd(self, x: sparse.csr_matrix) -> np.ndarray:
        from sklearn.utils.extmath import randomized_svd

        n_docs, n_features = x.shape
        # A small corpus gets fewer dimensions: with one dimension per few documents, texts sharing words stay
        # close instead of each text spanning its own direction (measured on tests/app/clustering_support.py).
        k = max(1, min(self.dim, max(8, n_docs // DOCS_PER_DIM), n_docs - 1, n_features - 1))
        if n_docs < 2 or n_features < 2:
            return np.eye(1, n_features, dtype=np.float32)
        sample = x
        if n_docs > SVD_SAMPLE:
            rows = np.random.default_rng(self.random_state).choice(n_docs, SVD_SAMPLE, replace=False)
            sample = x[np.sort(rows)]
        if k >= min(sample.shape) - 1:  # tiny corpus: exact SVD
            _, _, vt = np.linalg.svd(sample.toarray(), full_matrices=False)
            vt = vt[:k]
        else:
            _, _, vt = randomized_svd(sample, k, n_iter=2, random_state=self.random_state)
        return np.ascontiguousarray(vt, dtype=np.float32)

    def _hash_state(self) -> str:
        h = hashlib.sha256()
        h.update(repr(sorted(self._params().items())).encode())
        for vec in (self._word, self._char):
            h.update("\n".join(sorted(vec.vocabulary_)).encode())
        h.update(self._components.tobytes())
        return f"offline-{h.hexdigest()[:16]}"
