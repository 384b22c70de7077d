"""The built-in offline Korean embedder: shapes, unit norms, meaning, persistence, version."""
import numpy as np
import pytest

from civic.embeddings.offline import NotFittedError, OfflineKoreanEmbedder
from tests.app.clustering_support import GROUPS, labelled_texts


@pytest.fixture(scope="module")
def fitted():
    texts, _ = labelled_texts()
    return OfflineKoreanEmbedder().fit(texts)


def test_embed_shape_dtype_and_unit_rows(fitted):
    vectors = fitted.embed(["집 앞 가로등이 꺼졌어요", "버스가 안 와요", "쓰레기 냄새가 나요"])
    assert vectors.shape == (3, fitted.output_dim) and vectors.dtype == np.float32
    assert fitted.output_dim >= 8
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_text_gives_a_zero_row_and_no_error(fitted):
    vectors = fitted.embed(["", "   "])
    assert vectors.shape == (2, fitted.output_dim) and not vectors.any()
    assert fitted.embed([]).shape == (0, fitted.output_dim)


def test_same_problem_in_other_words_is_closer_than_another_problem(fitted):
    a, b, c = fitted.embed(["골목에 가로등이 없어서 밤에 깜깜해요", "밤길이 어두워요 가로등 설치해 주세요",
                            "마을버스 배차 간격을 줄여 주세요"])
    assert a @ b > a @ c + 0.2


def test_groups_are_tighter_than_across_groups(fitted):
    texts, groups = labelled_texts()
    v, g = fitted.embed(texts), np.array(groups)
    sims = v @ v.T
    same = (g[:, None] == g[None, :]) & (g[:, None] != "one-off") & ~np.eye(len(g), dtype=bool)
    assert sims[same].mean() > sims[g[:, None] != g[None, :]].mean() + 0.2


def test_save_load_round_trip_keeps_vectors_and_version(fitted, tmp_path):
    fitted.save(tmp_path)
    loaded = OfflineKoreanEmbedder.load(tmp_path)
    assert loaded.version == fitted.version
    sample = GROUPS["bus"][:3] + ["처음 보는 낱말 조합 테스트"]
    assert np.allclose(loaded.embed(sample), fitted.embed(sample), atol=1e-6)
    assert not list(tmp_path.glob("*.tmp"))  # atomic write leaves no temporary file


def test_version_identifies_the_fitted_state():
    texts, _ = labelled_texts()
    v1 = OfflineKoreanEmbedder().fit(texts).version
    assert OfflineKoreanEmbedder().fit(texts).version == v1  # deterministic
    assert OfflineKoreanEmbedder().fit(texts[:-5]).version != v1
    assert v1.startswith("offline-")


def test_unfitted_embedder_refuses_clearly(tmp_path):
    e = OfflineKoreanEmbedder()
    with pytest.raises(NotFittedError):
        e.embed(["가로등"])
    with pytest.raises(NotFittedError):
        _ = e.version
    with pytest.raises(FileNotFoundError):
        OfflineKoreanEmbedder.load(tmp_path)
    with pytest.raises(ValueError):
        e.fit(["", "  "])


def test_kiwi_analyzer_works_too():
    texts, _ = labelled_texts()
    e = OfflineKoreanEmbedder(analyzer="kiwi").fit(texts)
    a, b, c = e.embed(["가로등이 고장 나서 어두워요", "골목 가로등이 꺼졌어요", "공사장 소음이 심해요"])
    assert a @ b > a @ c
