"""sentence-transformers backend: any model directory on disk or a hub id already in the local cache.

Nothing is downloaded at run time (`local_files_only=True`, and the Makefile sets HF_HUB_OFFLINE=1): a model must be
copied or cached beforehand, e.g. a Korean model such as jhgan/ko-sroberta-multitask in production. A missing
package or model raises `EmbedderUnavailable` with a message in Korean and English.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from civic.embeddings.base import Embedder, normalize

log = logging.getLogger(__name__)


class EmbedderUnavailable(RuntimeError):
    pass


class SentenceTransformerEmbedder(Embedder):
    name = "sentence-transformers"

    def __init__(self, model: str | Path, device: str = "cpu", batch_size: int = 64) -> None:
        self.model_name = str(model or "").strip()
        self.device = device
        self.batch_size = batch_size
        self._model = None
        self._version: str | None = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        self._load()
        return self._version

    @property
    def output_dim(self) -> int:
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        texts = [t or "" for t in texts]
        if not texts:
            return np.zeros((0, self.output_dim), dtype=np.float32)
        vectors = model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                               normalize_embeddings=True, show_progress_bar=False)
        return normalize(np.asarray(vectors, dtype=np.float32))

    def describe(self) -> dict:
        model = self._load()
        return {"backend": self.name, "model": self.model_name, "version": self._version, "dim": self.output_dim,
                "max_seq_length": int(getattr(model, "max_seq_length", 0) or 0), "device": self.device}

    def _load(self):
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._model = self._open()
                self._version = self._fingerprint()
        return self._model

    def _open(self):
        if not self.model_name:
            raise EmbedderUnavailable(
                "문장 임베딩 모델이 설정되지 않았어요. EMBEDDER_MODEL에 모델 폴더나 이름을 지정해 주세요. "
                "(no sentence-transformers model configured: set EMBEDDER_MODEL to a local directory or hub id)")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailable(
                "sentence-transformers 패키지가 설치되지 않았어요. (the sentence-transformers package is not "
                "installed: pip install sentence-transformers, or use EMBEDDER_BACKEND=offline)") from exc
        path = Path(self.model_name).expanduser()
        looks_like_path = path.is_absolute() or self.model_name.startswith(".")
        if looks_like_path and not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise EmbedderUnavailable(
                    f"모델 폴더를 찾을 수 없어요: {path} (no sentence-transformers model in directory {path})")
        try:
            return SentenceTransformer(str(path) if path.exists() else self.model_name, device=self.device,
                                       local_files_only=True)
        except Exception as exc:  # missing files, not in the cache, unreadable weights
            raise EmbedderUnavailable(
                f"모델 '{self.model_name}'을(를) 로컬에서 불러올 수 없어요. 내려받기는 하지 않아요: 모델을 미리 복사하고 "
                f"EMBEDDER_MODEL에 그 폴더를 지정해 주세요. (model {self.model_name!r} is not available locally and is "
                f"never downloaded at run time: {type(exc).__name__}: {exc})") from exc

    def _fingerprint(self) -> str:
        """Model identity: its name plus the content of its configuration and the size of its weights."""
        h = hashlib.sha256(self.model_name.encode())
        folder = _model_folder(self._model)
        if folder is not None:
            for name in ("config.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"):
                f = folder / name
                if f.exists():
                    h.update(f.read_bytes())
            for f in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
                h.update(f"{f.name}:{f.stat().st_size}".encode())
        return f"st-{h.hexdigest()[:16]}"


def _model_folder(model) -> Path | None:
    """The directory the model was loaded from, when sentence-transformers tells us."""
    for attr in ("_model_config_path", "model_path"):
        value = getattr(model, attr, None)
        if value and Path(value).is_dir():
            return Path(value)
    try:
        first = model[0]
        folder = getattr(first, "auto_model", None)
        name = getattr(getattr(folder, "config", None), "_name_or_path", None)
        if name and Path(name).is_dir():
            return Path(name)
    except Exception as exc:  # noqa: BLE001 - the fingerprint then relies on the name only
        log.debug("model folder unknown: %s", type(exc).__name__)
    return None
