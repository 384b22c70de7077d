"""The Rasa domain as the action server sees it, for action unit tests (Tracker.from_dict + CollectingDispatcher)."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load_domain(files: tuple[str, ...] = ("_shared.yml", "proposals.yml", "status.yml")) -> dict:
    domain: dict = {"slots": {}, "forms": {}, "responses": {}}
    for name in files:
        part = yaml.safe_load((ROOT / "bot" / "domain" / name).read_text(encoding="utf-8"))
        for key, section in domain.items():
            section.update(part.get(key) or {})
    return domain
