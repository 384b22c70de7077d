"""The pluggable embedding stage: `embed(texts) -> ndarray` of L2-normalised rows."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np


class Embedder(ABC):
    #: short backend name shown to administrators ("offline", "sentence-transformers")
    name: str = "base"

    @property
    def version(self) -> str:
        """Identifies the model (and its fitted state) so stored vectors of another version are not mixed."""
        return self.name

    @property
    def needs_fit(self) -> bool:
        """Corpus-fitted backends (TF-IDF+SVD) must be fitted before `embed`; pretrained ones need not."""
        return False

    def fit(self, texts: Sequence[str]) -> Embedder:
        return self

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim), each row of unit length (or zero)."""


def normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def blas_threads():
    """Context limiting BLAS (OpenBLAS) threads for heavy numeric steps; CIVIC_BLAS_THREADS, default 1.

    Measured here: with 2 OpenBLAS threads on a 2-core machine that is also serving requests, a QR
    decomposition ran 13x slower than with one (threads spin waiting for a core), so one is the robust default.
    """
    import os

    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=int(os.environ.get("CIVIC_BLAS_THREADS", "1")), user_api="blas")
