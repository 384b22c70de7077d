"""File download responses for the exports (shared by the HTML dashboard and the JSON API)."""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import HTTPException, Response
from sqlite_utils import Database

from civic.admin import audit, export

UNKNOWN_EXPORT = "내보낼 수 있는 파일은 proposals 또는 topics 의 .csv, .json 이에요."


def export_response(db: Database, kind: str, fmt: str, actor: str, ip: str | None) -> Response:
    """The file as a download; every export is audited with its row count."""
    if kind not in export.KINDS or fmt not in export.FORMATS:
        raise HTTPException(404, UNKNOWN_EXPORT)
    body, count = export.build(db, kind, fmt)
    audit.record(db, actor, "export", ip=ip, kind=kind, format=fmt, rows=count)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json; charset=utf-8"
    headers = {"Content-Disposition": f'attachment; filename="gwangju-{kind}-{stamp}.{fmt}"',
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return Response(body, media_type=media, headers=headers)
