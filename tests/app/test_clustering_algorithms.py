"""Clustering without a number of topics, and class-based TF-IDF labels, on small realistic proposals."""
import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from civic.clustering.algorithms import ClusterParams, centroids, cluster, nearest
from civic.clustering.labels import class_tfidf, format_label, topic_labels
from civic.embeddings.offline import OfflineKoreanEmbedder
from civic.embeddings.runtime import seed_texts
from tests.app.clustering_support import labelled_texts


@pytest.fixture(scope="module")
def data():
    texts, groups = labelled_texts()
    vectors = OfflineKoreanEmbedder().fit_embed(texts + seed_texts())[: len(texts)]
    return texts, np.array(groups), vectors


def test_default_finds_the_five_problems_and_leaves_one_offs_out(data):
    _, groups, vectors = data
    labels = cluster(vectors)
    assert labels.max() + 1 == 5
    assert normalized_mutual_info_score(groups, labels) > 0.85
    assert (labels[groups == "one-off"] == -1).all()
    sizes = np.bincount(labels[labels >= 0])
    assert list(sizes) == sorted(sizes, reverse=True)  # numbered by decreasing size


def test_min_cluster_size_makes_small_groups_unclustered(data):
    _, _, vectors = data
    assert (cluster(vectors, ClusterParams(min_cluster_size=20)) == -1).all()


def test_sampled_path_assigns_the_rest_to_centroids(data):
    _, groups, vectors = data
    labels = cluster(vectors, ClusterParams(max_direct=30, min_cluster_size=3))
    assert len(labels) == len(vectors)
    assert normalized_mutual_info_score(groups, labels) > 0.6


def test_hdbscan_runs_for_comparison(data):
    _, _, vectors = data
    labels = cluster(vectors, ClusterParams(method="hdbscan", min_cluster_size=4, min_samples=2))
    assert labels.shape == (len(vectors),) and labels.min() >= -1


def test_edge_cases():
    assert cluster(np.zeros((0, 8), dtype=np.float32)).shape == (0,)
    assert (cluster(np.eye(1, 8, dtype=np.float32)) == -1).all()
    with pytest.raises(ValueError):
        cluster(np.eye(3, dtype=np.float32), ClusterParams(method="magic"))


def test_nearest_centroid_respects_each_topic_radius(data):
    _, _, vectors = data
    labels = cluster(vectors)
    ids, cents, radii = centroids(vectors, labels)
    best, sims = nearest(vectors, cents, radii)
    joined = best >= 0
    assert (ids[best[joined]] == labels[joined]).mean() > 0.9
    closest = (vectors @ cents.T).argmax(axis=1)
    assert ((sims >= radii[closest]) == joined).all() and (best[joined] == closest[joined]).all()
    assert (~joined).any()  # the one-offs are farther than any topic's own members


def test_labels_are_distinctive_korean_nouns(data):
    texts, groups, vectors = data
    labels = cluster(vectors)
    words = topic_labels(texts, labels)
    by_group = {g: words[int(np.bincount(labels[(groups == g) & (labels >= 0)]).argmax())] for g in
                ("streetlight", "parking", "bus", "noise")}
    assert "가로등" in by_group["streetlight"] and "주차" in by_group["parking"]
    assert "버스" in by_group["bus"] and "소음" in by_group["noise"]
    assert all(1 <= len(w) <= 3 for w in words.values())


def test_class_tfidf_prefers_words_specific_to_a_class():
    docs = {0: [["가로등", "골목", "설치"], ["가로등", "고장", "설치"]],
            1: [["버스", "배차", "설치"], ["버스", "노선", "설치"]]}
    words = class_tfidf(docs, n_words=2)
    assert words[0][0] == "가로등" and words[1][0] == "버스"
    assert "설치" not in words[0][:1]
    assert format_label(["가로등", "골목"]) == "가로등 · 골목" and format_label([]) == "주제"
