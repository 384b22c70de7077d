"""Topic clustering of unit-length embeddings without a number of topics; -1 marks unclustered one-offs.

Default, chosen by measurement (docs/clustering.md, `make eval-cluster`): average-linkage agglomerative clustering on
cosine distance with a distance threshold, clusters smaller than `min_cluster_size` becoming unclustered. It is exact
up to `max_direct` points (a dense distance matrix: 8,000 points ~ 0.5 GB); beyond that it clusters a fixed random
sample and assigns every point to the nearest resulting centroid when it is as close as that topic's own members
(the same rule `assign_topic` uses for a new proposal), so 86k proposals cluster in seconds and in bounded memory.

HDBSCAN is offered for comparison (`method="hdbscan"`): on these 256-dimensional vectors it was slower and left most
proposals unclustered.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from civic.embeddings.base import blas_threads, normalize

METHODS = ("agglomerative", "hdbscan", "kmeans")
# Members' similarity to their centroid at this quantile sets how close a newcomer must be to join (per topic).
RADIUS_QUANTILE = 0.10
# ... but never looser than this cosine similarity, nor stricter than the ceiling (tiny, very tight topics).
MIN_JOIN_SIMILARITY = 0.30
MAX_JOIN_SIMILARITY = 0.80


@dataclass(frozen=True)
class ClusterParams:
    method: str = "agglomerative"
    threshold: float = 0.8  # cosine distance at which average-linkage merging stops (see docs/clustering.md)
    min_cluster_size: int = 5
    max_direct: int = 8_000
    min_samples: int = 5  # hdbscan only
    n_clusters: int = 0  # kmeans only (the evaluation baseline needs the true number)
    random_state: int = 0


def cluster(vectors: np.ndarray, params: ClusterParams | None = None) -> np.ndarray:
    """Integer label per row; clusters numbered 0.. by decreasing size, -1 for unclustered."""
    params = params or ClusterParams()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if params.method not in METHODS:
        raise ValueError(f"unknown clustering method {params.method!r}; choose one of {METHODS}")
    with blas_threads():
        labels = {"agglomerative": _agglomerative, "hdbscan": _hdbscan, "kmeans": _kmeans}[params.method](
            vectors, params)
    return _renumber(labels, params.min_cluster_size if params.method != "kmeans" else 1)


def centroids(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cluster ids, unit centroids, join thresholds) of every cluster >= 0."""
    ids = np.unique(labels[labels >= 0])
    cents = np.zeros((len(ids), vectors.shape[1]), dtype=np.float32)
    radii = np.zeros(len(ids), dtype=np.float32)
    for i, c in enumerate(ids):
        members = vectors[labels == c]
        cents[i] = normalize(members.mean(axis=0, keepdims=True))[0]
        sims = members @ cents[i]
        radii[i] = join_threshold(sims)
    return ids, cents, radii


def join_threshold(member_similarities: np.ndarray) -> float:
    q = float(np.quantile(member_similarities, RADIUS_QUANTILE)) if len(member_similarities) else 1.0
    return float(np.clip(q, MIN_JOIN_SIMILARITY, MAX_JOIN_SIMILARITY))


def nearest(vectors: np.ndarray, cents: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest centroid per row (or -1 when not within its join threshold) and the similarity."""
    if len(cents) == 0 or len(vectors) == 0:
        return np.full(len(vectors), -1, dtype=np.int64), np.zeros(len(vectors), dtype=np.float32)
    sims = vectors @ cents.T
    best = sims.argmax(axis=1)
    best_sim = sims[np.arange(len(vectors)), best]
    return np.where(best_sim >= radii[best], best, -1), best_sim


# ------------------------------------------------------------------ algorithms
def _agglomerative(vectors: np.ndarray, params: ClusterParams) -> np.ndarray:
    n = len(vectors)
    if n <= params.max_direct:
        return _average_linkage(vectors, params.threshold)
    rng = np.random.default_rng(params.random_state)
    sample = np.sort(rng.choice(n, params.max_direct, replace=False))
    sample_labels = _renumber(_average_linkage(vectors[sample], params.threshold), params.min_cluster_size)
    ids, cents, radii = centroids(vectors[sample], sample_labels)
    labels = np.full(n, -1, dtype=np.int64)
    for start in range(0, n, 20_000):  # bounded memory for the similarity block
        block, _ = nearest(vectors[start:start + 20_000], cents, radii)
        labels[start:start + 20_000] = np.where(block >= 0, ids[np.maximum(block, 0)], -1)
    return labels


def _average_linkage(vectors: np.ndarray, threshold: float) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(vectors)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    # The condensed cosine-distance matrix, filled by row blocks through BLAS (much faster than pdist, and
    # without the n x n intermediate matrices that would double the peak memory).
    condensed = np.empty(n * (n - 1) // 2, dtype=np.float64)
    pos = 0
    for start in range(0, n, 512):
        block = 1.0 - vectors[start:start + 512] @ vectors.T
        for r in range(block.shape[0]):
            i = start + r
            row = block[r, i + 1:]
            condensed[pos:pos + len(row)] = row
            pos += len(row)
    np.clip(condensed, 0.0, 2.0, out=condensed)
    tree = linkage(condensed, method="average")
    return fcluster(tree, t=threshold, criterion="distance").astype(np.int64) - 1


def _hdbscan(vectors: np.ndarray, params: ClusterParams) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    if len(vectors) < max(params.min_cluster_size, 2):
        return np.full(len(vectors), -1, dtype=np.int64)
    # On unit vectors the euclidean distance is a monotone function of the cosine distance.
    model = HDBSCAN(min_cluster_size=max(params.min_cluster_size, 2), min_samples=params.min_samples,
                    metric="euclidean", copy=True)
    return model.fit_predict(vectors).astype(np.int64)


def _kmeans(vectors: np.ndarray, params: ClusterParams) -> np.ndarray:
    from sklearn.cluster import KMeans

    k = max(1, min(params.n_clusters or 1, len(vectors)))
    # Several restarts matter for a few clusters; with hundreds one run is as good and bounded in time.
    n_init = 3 if k <= 50 else 1
    return KMeans(k, n_init=n_init, random_state=params.random_state).fit_predict(vectors).astype(np.int64)


def _renumber(labels: np.ndarray, min_size: int) -> np.ndarray:
    """Drop clusters below min_size to -1 and number the rest 0.. by decreasing size (ties: first member)."""
    labels = np.asarray(labels, dtype=np.int64)
    out = np.full(len(labels), -1, dtype=np.int64)
    valid = labels >= 0
    if not valid.any():
        return out
    uniq, first, counts = np.unique(labels[valid], return_index=True, return_counts=True)
    order = sorted(range(len(uniq)), key=lambda i: (-counts[i], first[i]))
    lookup = np.full(int(uniq.max()) + 1, -1, dtype=np.int64)
    next_id = 0
    for i in order:
        if counts[i] >= min_size:
            lookup[uniq[i]] = next_id
            next_id += 1
    out[valid] = lookup[labels[valid]]
    return out
