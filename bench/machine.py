"""Describe the machine a figure was measured on (date, CPU, cores, memory, Python)."""
from __future__ import annotations

import os
import platform
from datetime import datetime, timezone


def describe() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kib = int(f.readline().split()[1])
            mem_gib = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {mem_gib}",
        "cpu": cpu,
        "python": platform.python_version(),
    }


def markdown_header(title: str) -> str:
    m = describe()
    return (f"# {title}\n\nMeasured {m['date']} on {m['machine']} ({m['cpu']}), Python {m['python']}.\n"
            f"Regenerate with the command named below; do not edit figures by hand.\n")
