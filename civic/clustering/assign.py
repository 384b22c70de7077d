"""Assign a newly stored proposal to the nearest existing topic: one product with every topic centroid, O(topics).

A proposal joins the topic whose centroid is most similar when that similarity reaches the topic's own
`join_similarity` (how close its members are, see algorithms.join_threshold); otherwise it stays unclustered until
the next re-cluster, which may find a new topic for it. Centroids are cached per database and refreshed when a
re-cluster rewrites them.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
from sqlite_utils import Database

from civic.clustering.algorithms import nearest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Centroids:
    version: str
    stamp: tuple
    ids: np.ndarray
    vectors: np.ndarray
    radii: np.ndarray


_cache: dict[str, Centroids] = {}
_lock = threading.Lock()


def assign_topic(db: Database, proposal_id: int, embedder=None) -> int | None:
    """Set proposals.topic_id of `proposal_id` to its nearest topic (or leave it NULL); returns the topic id."""
    row = db.execute("SELECT embedding, embedding_version, masked_text FROM proposals WHERE id = ?",
                     [proposal_id]).fetchone()
    if row is None:
        raise LookupError(f"no proposal with id {proposal_id}")
    blob, version, masked_text = row
    cents = topic_centroids(db)
    if cents is None or not len(cents.ids):
        return None
    if version != cents.version or blob is None:
        # Stored with another vector space (e.g. during a re-cluster): embed again in the topics' space if the
        # current embedder is that space; otherwise the re-cluster's catch-up pass assigns it.
        embedder = embedder or _current_embedder()
        if embedder is None or embedder.version != cents.version:
            return None
        vector = np.asarray(embedder.embed([masked_text or ""]), dtype=np.float32)[0]
        db.execute("UPDATE proposals SET embedding = ?, embedding_version = ? WHERE id = ?",
                   [vector.tobytes(), embedder.version, proposal_id])
    else:
        vector = np.frombuffer(blob, dtype=np.float32)
    if vector.shape[0] != cents.vectors.shape[1]:
        log.warning("proposal %s vector has dimension %d, topics %d", proposal_id, vector.shape[0],
                    cents.vectors.shape[1])
        return None
    best, sim = nearest(vector.reshape(1, -1), cents.vectors, cents.radii)
    if best[0] < 0:
        return None
    topic_id = int(cents.ids[best[0]])
    db.execute("UPDATE proposals SET topic_id = ? WHERE id = ?", [topic_id, proposal_id])
    db.execute("UPDATE topics SET size = size + 1 WHERE id = ?", [topic_id])
    db.conn.commit()
    log.info("proposal %s assigned to topic %s (similarity %.2f)", proposal_id, topic_id, float(sim[0]))
    return topic_id


def topic_centroids(db: Database) -> Centroids | None:
    """Active topics' centroids of the current topic space, cached until a re-cluster changes them."""
    if not db["topics"].exists():
        return None
    stamp = tuple(db.execute("SELECT count(*), max(updated_at), max(id) FROM topics WHERE status = 'active'")
                  .fetchone())
    key = _db_key(db)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached.stamp == stamp and key != ":memory:":
            return cached
    rows = db.execute("SELECT id, centroid, embedding_version, join_similarity FROM topics "
                      "WHERE status = 'active' AND centroid IS NOT NULL ORDER BY id").fetchall()
    if not rows:
        return None
    # One vector space at a time: a re-cluster rewrites every active topic with its own version.
    version = rows[-1][2]
    rows = [r for r in rows if r[2] == version]
    result = Centroids(
        version=version, stamp=stamp,
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        vectors=np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows]),
        radii=np.array([r[3] for r in rows], dtype=np.float32),
    )
    with _lock:
        _cache[key] = result
    return result


def _current_embedder():
    try:
        from civic.embeddings.runtime import current_embedder

        return current_embedder()
    except Exception as exc:  # noqa: BLE001 - the embedder may be unavailable (model missing): leave the proposal unassigned
        log.warning("embedder unavailable for topic assignment: %s", type(exc).__name__)
        return None


def _db_key(db: Database) -> str:
    row = db.execute("PRAGMA database_list").fetchone()
    return row[2] if row and row[2] else ":memory:"
