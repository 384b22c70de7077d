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

    def fit(self, texts: Sequence[str]) -> "Embedder":
        return self

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim), each row of unit length (or zero)."""


def normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms
