"""`make kb-index`: build the knowledge index once, so that servers started afterwards load the fitted question bank
from the cache (settings.knowledge_cache_dir) instead of fitting it (~30 s) while citizens wait."""
from __future__ import annotations

import sys
import time

from knowledge.base import KnowledgeBaseError
from knowledge.facts import FactsError
from knowledge.search import KnowledgeBase, get_knowledge_base

PROBE = "광주 인공지능 중심도시"  # any question: the first search builds the index


def build(kb: KnowledgeBase) -> KnowledgeBase:
    """Build kb's index now (the action server's start-up warm-up and this command)."""
    kb.search(PROBE)
    return kb


def main() -> int:
    started = time.monotonic()
    try:
        kb = build(get_knowledge_base())
    except (KnowledgeBaseError, FactsError) as exc:
        # A broken file an administrator saved by hand: say which and why; the stack still starts (proposals work).
        print(f">> 지식베이스를 읽지 못했어요. 파일을 고친 뒤 다시 실행해 주세요.\n{exc}", file=sys.stderr, flush=True)
        return 1
    print(f">> knowledge index ready in {time.monotonic() - started:.1f} s: {len(kb.data.entries)} entries, "
          f"question bank {'ready' if kb.question_bank is not None else 'absent'} (cache: {kb.bank_cache_dir})",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
