"""Similar stored proposals for a new one: cosine similarity over the stored embeddings, in memory.

One `SimilarIndex` per (database, embedding version) holds the unit-length vectors in a float32 matrix that grows
in place; a lookup is a matrix-vector product (two-stage from 20,000 rows on, see SimilarIndex; figures in
docs/benchmarks-similar.md). Vectors of another embedding version are never compared: a re-fitted embedder gets a
fresh index. New rows written by other processes are picked up by a cheap (count, max id) check at most every
`REFRESH_S` seconds; rows stored by this process are added at once with `note_stored`.

The threshold per embedding backend was tuned on public petition data (`python -m bench.bench_similar --tune`).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlite_utils import Database

from civic import pii
from civic.proposals import Proposal, _db_key, get_proposal

log = logging.getLogger(__name__)

# Cosine similarity from which a stored proposal is offered as "the same problem". "offline" is tuned on petition
# data (bench/bench_similar.py: precision of the best offer >= 80 %); the sentence-transformers value is a starting
# point to re-tune with the production model (no Korean model can be downloaded here). Others: DEFAULT_THRESHOLD.
THRESHOLDS = {"offline": 0.70, "sentence-transformers": 0.70}
DEFAULT_THRESHOLD = 0.70
REFRESH_S = 1.0
COARSE_FROM = 20_000  # below this an exact scan is fast enough
COARSE_DIM = 32
CANDIDATES = 512
# Proposals in these statuses are not offered for support (a rejected one cannot gather support usefully).
NOT_OFFERED = frozenset({"rejected"})


@dataclass(frozen=True)
class Match:
    proposal_id: int
    score: float


@dataclass(frozen=True)
class SimilarProposal:
    proposal: Proposal
    score: float


class SimilarIndex:
    """Unit vectors of one embedding version, with their proposal ids.

    A lookup reads the whole matrix, so at 100,000 x 256 it is bound by memory bandwidth (~100 MB per query).
    From COARSE_FROM rows on, a first pass scores a COARSE_DIM-dimensional projection (the top principal
    directions of the stored vectors, an eighth of the bytes at 256 dimensions) and only the best CANDIDATES rows
    are scored exactly; the bench measures how often this returns the same matches as the exact scan.
    """

    def __init__(self, version: str, dim: int | None = None) -> None:
        self.version = version
        self._ids = np.zeros(0, dtype=np.int64)
        self._matrix = np.zeros((0, dim or 0), dtype=np.float32)
        self._basis: np.ndarray | None = None  # (dim, COARSE_DIM) once the index is large
        self._coarse = np.zeros((0, COARSE_DIM), dtype=np.float32)
        self._size = 0
        self._last_check = 0.0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._size

    @property
    def max_id(self) -> int:
        return int(self._ids[self._size - 1]) if self._size else 0

    @property
    def two_stage(self) -> bool:
        return self._basis is not None

    def add(self, ids: Iterable[int], vectors: np.ndarray) -> None:
        ids = np.asarray(list(ids), dtype=np.int64)
        vectors = np.asarray(vectors, dtype=np.float32)
        if not len(ids):
            return
        if vectors.ndim != 2 or vectors.shape[0] != len(ids):
            raise ValueError("one vector per id expected")
        with self._lock:
            if self._size and vectors.shape[1] != self._matrix.shape[1]:
                raise ValueError(f"dimension {vectors.shape[1]} does not match the index ({self._matrix.shape[1]})")
            order = np.argsort(ids, kind="stable")
            ids, vectors = ids[order], vectors[order]
            if self._size and ids[0] <= self.max_id:  # out of order or already there: merge and rebuild
                keep = ~np.isin(self._ids[: self._size], ids)
                merged_ids = np.concatenate([self._ids[: self._size][keep], ids])
                merged = np.vstack([self._matrix[: self._size][keep], vectors])
                order = np.argsort(merged_ids, kind="stable")
                self._ids, self._matrix, self._size = merged_ids[order], merged[order], len(merged_ids)
                self._basis = None
                self._coarse = np.zeros((0, COARSE_DIM), dtype=np.float32)
            else:
                self._reserve(self._size + len(ids), vectors.shape[1])
                self._ids[self._size: self._size + len(ids)] = ids
                self._matrix[self._size: self._size + len(ids)] = vectors
                if self._basis is not None:
                    self._coarse[self._size: self._size + len(ids)] = vectors @ self._basis
                self._size += len(ids)
            self._maybe_build_coarse()

    def _reserve(self, needed: int, dim: int) -> None:
        if self._matrix.shape[0] >= needed and self._matrix.shape[1] == dim:
            return
        capacity = max(needed, 2 * self._matrix.shape[0], 256)
        matrix = np.zeros((capacity, dim), dtype=np.float32)
        ids = np.zeros(capacity, dtype=np.int64)
        coarse = np.zeros((capacity, COARSE_DIM), dtype=np.float32)
        if self._size:
            matrix[: self._size] = self._matrix[: self._size]
            ids[: self._size] = self._ids[: self._size]
            if self._basis is not None:
                coarse[: self._size] = self._coarse[: self._size]
        self._matrix, self._ids, self._coarse = matrix, ids, coarse

    def _maybe_build_coarse(self) -> None:
        """Called under the lock: derive the projection once the index is large enough to need it."""
        n, dim = self._size, self._matrix.shape[1]
        if self._basis is not None or n < COARSE_FROM or dim <= 2 * COARSE_DIM:
            return
        rng = np.random.default_rng(0)
        sample = self._matrix[: n][rng.choice(n, min(n, 20_000), replace=False)]
        # Eigenvectors of the (dim x dim) second-moment matrix = right singular vectors of the sample, far
        # cheaper than an SVD of the sample itself.
        values, vectors = np.linalg.eigh(sample.T @ sample)
        top = np.argsort(values)[::-1][:COARSE_DIM]
        self._basis = np.ascontiguousarray(vectors[:, top], dtype=np.float32)
        if self._coarse.shape[0] < self._matrix.shape[0]:
            self._coarse = np.zeros((self._matrix.shape[0], COARSE_DIM), dtype=np.float32)
        self._coarse[:n] = self._matrix[:n] @ self._basis

    def search(self, vector: np.ndarray, k: int = 3, threshold: float = DEFAULT_THRESHOLD,
               exclude: Iterable[int] = ()) -> list[Match]:
        """The k best matches at or above the threshold, best first."""
        excluded = set(exclude)
        with self._lock:
            n = self._size
            if n == 0:
                return []
            vector = np.asarray(vector, dtype=np.float32).reshape(-1)
            if vector.shape[0] != self._matrix.shape[1]:
                return []
            # einsum, not `@`: a matrix-vector product through multi-threaded OpenBLAS measured 15 ms instead of
            # 0.5 ms on a busy 2-core machine (its threads spin against other processes); einsum's own loop does not.
            if self._basis is not None:
                coarse = np.einsum("ij,j->i", self._coarse[:n], vector @ self._basis)
                rows = np.argpartition(-coarse, CANDIDATES - 1)[:CANDIDATES]
                scores = np.einsum("ij,j->i", self._matrix[rows], vector)
                ids = self._ids[rows]
            else:
                scores = np.einsum("ij,j->i", self._matrix[:n], vector)
                ids = self._ids[:n]
        m = len(scores)
        want = min(m, k + len(excluded))
        top = np.argpartition(-scores, want - 1)[:want] if want < m else np.arange(m)
        top = top[np.argsort(-scores[top], kind="stable")]
        out = []
        for i in top:
            if scores[i] < threshold:
                break
            if int(ids[i]) in excluded:
                continue
            out.append(Match(int(ids[i]), float(scores[i])))
            if len(out) == k:
                break
        return out

    def refresh(self, db: Database, force: bool = False) -> None:
        """Load vectors stored since the last look (by any process); a full reload if rows changed otherwise."""
        now = time.monotonic()
        if not force and now - self._last_check < REFRESH_S:
            return
        self._last_check = now
        # Answered from the (embedding_version, id) index alone: the store sets vector and version together.
        count, max_id = db.execute(
            "SELECT count(*), coalesce(max(id), 0) FROM proposals WHERE embedding_version = ?",
            [self.version]).fetchone()
        if count == self._size and max_id == self.max_id:
            return
        if max_id > self.max_id:
            self._load(db, after_id=self.max_id)
        if self._size != count:  # rows changed below max_id (back-filled or deleted vectors): reload once
            log.info("similar index %s out of step (%d vs %d rows): reloading", self.version, self._size, count)
            with self._lock:
                self._size = 0
                self._basis = None
            self._load(db, after_id=0)

    def _load(self, db: Database, after_id: int) -> None:
        rows = db.execute("SELECT id, embedding FROM proposals WHERE embedding_version = ? AND id > ? "
                          "AND embedding IS NOT NULL ORDER BY id", [self.version, after_id]).fetchall()
        if rows:
            vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
            self.add((r[0] for r in rows), vectors)


_indexes: dict[tuple[str, str], SimilarIndex] = {}
_indexes_lock = threading.Lock()


def index_for(db: Database, version: str) -> SimilarIndex:
    """The process-wide index of this database and embedding version, brought up to date."""
    key = (_db_key(db), version)
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None or key[0] == ":memory:":
            index = _indexes[key] = SimilarIndex(version)
            # Drop indexes of older versions of the same database: their vectors are never compared again.
            for other in [k for k in _indexes if k[0] == key[0] and k[1] != version]:
                del _indexes[other]
    index.refresh(db)
    return index


def note_stored(db: Database, proposal: Proposal, vector: np.ndarray | None) -> None:
    """Add a proposal this process just stored, so the next lookup sees it without waiting for a refresh."""
    if vector is None or not proposal.embedding_version:
        return
    key = (_db_key(db), proposal.embedding_version)
    index = _indexes.get(key)
    if index is not None:
        index.add([proposal.id], np.asarray(vector, dtype=np.float32).reshape(1, -1))


def threshold_for(embedder: Any) -> float:
    return THRESHOLDS.get(getattr(embedder, "name", ""), DEFAULT_THRESHOLD)


def find_similar(db: Database, embedder: Any, text: str, *, k: int = 3, threshold: float | None = None,
                 exclude_ids: Iterable[int] = ()) -> list[SimilarProposal]:
    """Stored proposals close to `text` (masked before embedding), best first; [] when nothing is close."""
    masked = pii.mask_text(text)
    vector = np.asarray(embedder.embed([masked]), dtype=np.float32)[0]
    return similar_to_vector(db, embedder.version, vector, k=k,
                             threshold=threshold_for(embedder) if threshold is None else threshold,
                             exclude_ids=exclude_ids)


def similar_to_vector(db: Database, version: str, vector: np.ndarray, *, k: int = 3,
                      threshold: float = DEFAULT_THRESHOLD, exclude_ids: Iterable[int] = ()) -> list[SimilarProposal]:
    index = index_for(db, version)
    out: list[SimilarProposal] = []
    # Ask for a few more than k: some may be in a status that is not offered.
    for match in index.search(vector, k=k + 3, threshold=threshold, exclude=exclude_ids):
        proposal = get_proposal(db, match.proposal_id)
        if proposal.status in NOT_OFFERED:
            continue
        out.append(SimilarProposal(proposal, match.score))
        if len(out) == k:
            break
    return out
