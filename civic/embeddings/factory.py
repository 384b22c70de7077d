"""Pick the embedding backend from configuration."""
from __future__ import annotations

from civic.embeddings.base import Embedder


def get_embedder(backend: str | None = None, model: str | None = None) -> Embedder:
    from civic.settings import get_settings

    settings = get_settings()
    backend = (backend or settings.embedder_backend).lower()
    if backend == "offline":
        from civic.embeddings.offline import OfflineKoreanEmbedder

        return OfflineKoreanEmbedder()
    if backend in {"sentence-transformers", "sbert", "st"}:
        from civic.embeddings.sbert import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(model or settings.embedder_model)
    raise ValueError(f"unknown embedder backend {backend!r}: use 'offline' or 'sentence-transformers'")
