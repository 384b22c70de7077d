"""Tables owned by the clustering package (applied by `civic.db.migrate` with the other Migrations groups).

- topics: one row per topic, ids never reused: a re-cluster matches its clusters to existing topics and keeps
  their ids (administrators' notes refer to them); topics that no longer exist are kept as `retired`.
  `centroid` (float32 unit vector of `embedding_version`) and `join_similarity` let a new proposal be assigned
  without recomputing anything.
- topic_history: size and label of every topic after every re-cluster (how a topic evolved, what matched what).
- cluster_jobs: re-cluster jobs with progress; at most one queued/running (single flight, see recluster.py).
- embedder_state: every fitted vector space (version, backend, size of the corpus), the active one flagged.
The assignment itself is `proposals.topic_id` (engineer C's table).
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("civic.clustering")


@migrations()
def m001_clustering_tables(db: Database) -> None:
    db["topics"].create(
        {"id": int, "label": str, "keywords": str, "status": str, "size": int, "centroid": bytes,
         "embedding_version": str, "join_similarity": float, "created_at": str, "updated_at": str,
         "created_job_id": int, "updated_job_id": int},
        pk="id", not_null={"label", "keywords", "status", "size", "created_at", "updated_at"},
        defaults={"status": "active", "size": 0, "keywords": "[]"},
    )
    db["topics"].create_index(["status", "size"])

    db["cluster_jobs"].create(
        {"id": int, "state": str, "stage": str, "progress": float, "message": str, "error": str,
         "requested_by": str, "pid": int, "algorithm": str, "embedding_version": str, "n_proposals": int,
         "n_topics": int, "n_unclustered": int, "n_kept": int, "n_new": int, "n_retired": int,
         "created_at": str, "started_at": str, "heartbeat_at": str, "finished_at": str},
        pk="id", not_null={"state", "progress", "created_at"}, defaults={"progress": 0.0},
    )
    db["cluster_jobs"].create_index(["state"])

    db["topic_history"].create(
        {"id": int, "job_id": int, "topic_id": int, "event": str, "size": int, "label": str, "overlap": float,
         "at": str},
        pk="id", not_null={"job_id", "topic_id", "event", "size", "at"},
        foreign_keys=[("topic_id", "topics", "id"), ("job_id", "cluster_jobs", "id")],
    )
    db["topic_history"].create_index(["topic_id", "id"])
    db["topic_history"].create_index(["job_id"])

    db["embedder_state"].create(
        {"version": str, "backend": str, "model": str, "dim": int, "n_texts": int, "fitted_at": str,
         "active": int},
        pk="version", not_null={"backend", "active"}, defaults={"active": 0},
    )
