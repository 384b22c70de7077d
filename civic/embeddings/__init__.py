"""Sentence embeddings behind one interface; the backend is chosen by configuration (see factory.py)."""
from civic.embeddings.base import Embedder
from civic.embeddings.factory import get_embedder

__all__ = ["Embedder", "get_embedder"]
