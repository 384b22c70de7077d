"""Build the knowledge index when the action server starts, not on the first citizen's question.

rasa-sdk imports every module of this package at start-up. The index (entries, lexicon, facts and the question
bank's fit) is built in a daemon thread, so the server answers its health check at once; Rasa, which the supervisor
starts after the action server, usually takes longer than that to load its model. Without this, the first question
after a start waited for the build and ran past the app's Rasa timeout (a 503 for that citizen). A failed build is
logged and the first question tries again.
The bank's fit grows with the labelled questions: 31-36 s for ~13,600 of them (2026-11-24, measured with an
evaluation running beside it), against ~5 s when this was written. A start on a loaded machine can still let Rasa
come up first (one CI run: the build ended 10 s after the first question's timeout); persisting the fitted bank is
the open fix (docs/knowledge.md, Known limits).
"""
from __future__ import annotations

import logging
import threading

from knowledge.search import get_knowledge_base

logger = logging.getLogger(__name__)
THREAD_NAME = "knowledge-warmup"


def warm_up() -> None:
    try:
        get_knowledge_base().search("광주 인공지능 중심도시")
    except Exception:  # a warm-up must never stop the action server
        logger.exception("knowledge index warm-up failed; the first question will build it")


threading.Thread(target=warm_up, name=THREAD_NAME, daemon=True).start()
