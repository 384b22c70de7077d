"""Which channel a Rasa conversation comes from. The app namespaces sender ids: "web:<id>", "kakao:<user id>"."""
from __future__ import annotations

from typing import Literal

Channel = Literal["web", "kakao", "unknown"]
CHANNELS: tuple[str, ...] = ("web", "kakao")
CHANNEL_LABELS = {"web": "웹", "kakao": "카카오톡", "unknown": "기타", "import": "가져오기"}


def channel_of(sender_id: str | None) -> Channel:
    """The channel prefix of a namespaced sender id; anything else (tests, Rasa shell) is "unknown"."""
    prefix, sep, rest = (sender_id or "").partition(":")
    if sep and rest and prefix in CHANNELS:
        return prefix  # type: ignore[return-value]
    return "unknown"
