"""Build the knowledge index when the action server starts, not on the first citizen's question.

rasa-sdk imports every module of this package at start-up. The index (entries, lexicon, facts and the question
bank's fit) is built in a daemon thread, so the server answers its health check at once; Rasa, which the supervisor
starts after the action server, usually takes longer than that to load its model. Without this, the first question
after a start waited for the build and ran past the app's Rasa timeout (a 503 for that citizen). A failed build is
logged and the first question tries again.
The bank's fit takes ~30 s for ~13,600 labelled questions; a start with unchanged knowledge files loads it from the
cache instead (.cache/knowledge, see KnowledgeBase._bank) in under a second, and the supervisor's warm-up waits for
one knowledge answer before it calls the stack ready (civic/supervisor.py).
"""
from __future__ import annotations

import logging
import threading

from knowledge.search import get_knowledge_base
from knowledge.warm import build

logger = logging.getLogger(__name__)
THREAD_NAME = "knowledge-warmup"


def warm_up() -> None:
    try:
        build(get_knowledge_base())
    except Exception:  # a warm-up must never stop the action server
        logger.exception("knowledge index warm-up failed; the first question will build it")


threading.Thread(target=warm_up, name=THREAD_NAME, daemon=True).start()
