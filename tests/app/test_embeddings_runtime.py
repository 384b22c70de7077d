"""current_embedder: works on an empty database, shares its fitted state through var/, follows a refit."""
import numpy as np

from civic.embeddings import runtime
from tests.app.clustering_support import GROUPS, make_db, store


def test_empty_database_fits_on_the_builtin_corpus_and_saves(settings):
    assert not settings.db_path.exists()
    e = runtime.current_embedder(settings)
    assert (settings.var_dir / "embedder" / "offline.joblib").exists()
    assert not settings.db_path.exists()  # reading stored texts never creates the database
    assert e.n_fitted == len(runtime.seed_texts())
    a, b, c = e.embed(["불법 주차 단속해 주세요", "주차 단속 좀 해 주세요", "도서관을 만들어 주세요"])
    assert a @ b > a @ c
    assert runtime.current_embedder(settings) is e  # cached per process


def test_first_fit_uses_stored_proposals(settings):
    db = make_db(settings.db_path)
    store(db, GROUPS["noise"])
    e = runtime.current_embedder(settings)
    assert e.n_fitted == len(runtime.seed_texts()) + len(GROUPS["noise"])


def test_another_process_refit_is_picked_up(settings):
    first = runtime.current_embedder(settings)
    runtime.reset_cache()  # as if another process: the state is loaded from disk, same version
    assert runtime.current_embedder(settings).version == first.version
    refitted, vectors = runtime.refit(GROUPS["bus"] + GROUPS["parking"], settings)
    assert vectors.shape == (16, refitted.output_dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert refitted.version != first.version
    assert runtime.current_embedder(settings).version == refitted.version


def test_refit_without_make_current_keeps_the_old_state(settings):
    first = runtime.current_embedder(settings)
    fresh, _ = runtime.refit(GROUPS["garbage"], settings, make_current=False)
    assert runtime.current_embedder(settings).version == first.version != fresh.version
    runtime.activate(fresh, settings)
    assert runtime.current_embedder(settings).version == fresh.version


def test_describe_for_the_dashboard(settings):
    info = runtime.describe(settings)
    assert info["backend"] == "offline" and info["version"].startswith("offline-")
    assert info["dim"] > 0 and info["fitted_on"] > 0
