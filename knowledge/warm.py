"""`make kb-index`: build the knowledge index once, so that servers started afterwards load the fitted question bank
from the cache (settings.knowledge_cache_dir) instead of fitting it (~35 s) while citizens wait."""
from __future__ import annotations

import sys
import time

from knowledge.search import get_knowledge_base


def main() -> int:
    started = time.monotonic()
    kb = get_knowledge_base()
    kb.search("광주 인공지능 중심도시")
    print(f">> knowledge index ready in {time.monotonic() - started:.1f} s: {len(kb.data.entries)} entries, "
          f"question bank {'ready' if kb.question_bank is not None else 'absent'} (cache: {kb.bank_cache_dir})",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
