"""Pure ASGI middleware: refuse oversized bodies before any route reads them."""
from __future__ import annotations

import json

from web.errors import error_body


class BodySizeLimit:
    """`max_bytes` everywhere; larger limits for path prefixes that carry long texts (official answers)."""

    def __init__(self, app, max_bytes: int, prefix_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.default_max = max_bytes
        self.prefix_limits = prefix_limits or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        max_bytes = next((v for k, v in self.prefix_limits.items() if path.startswith(k)), self.default_max)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > max_bytes
            except ValueError:
                too_big = True
            if too_big:
                return await self._reject(send)

        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._reject(send)

    @staticmethod
    async def _reject(send) -> None:
        body = json.dumps(error_body(413), ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
