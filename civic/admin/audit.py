"""Audit log: who did what, when, to which id. Never proposal text or contacts (details are ids and statuses)."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from civic.admin.users import iso, utcnow

ACTIONS = {
    "login": "로그인", "login_failed": "로그인 실패", "logout": "로그아웃", "token": "API 토큰 발급",
    "status_change": "상태 변경", "answer": "답변 등록", "export": "내보내기", "recluster": "재군집 시작",
    "topic_note": "주제 메모", "knowledge_create": "지식 항목 추가", "knowledge_edit": "지식 항목 수정",
    "knowledge_delete": "지식 항목 삭제",
}
# Only these keys may go into `detail`: a guard against someone passing text by mistake.
_DETAIL_KEYS = {"status", "previous_status", "format", "kind", "rows", "job_id", "role", "reason", "receipt"}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    target_type: str | None
    target_id: str | None
    ip: str | None
    detail: dict

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)


def record(db: Database, actor: str, action: str, target_type: str | None = None, target_id: object = None,
           ip: str | None = None, **detail: object) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    unknown = set(detail) - _DETAIL_KEYS
    if unknown:
        raise ValueError(f"audit detail keys not allowed: {sorted(unknown)}")
    db["audit_log"].insert({
        "at": iso(utcnow()), "actor": actor[:64], "action": action, "target_type": target_type,
        "target_id": None if target_id is None else str(target_id), "ip": ip,
        "detail": json.dumps(detail, ensure_ascii=False) if detail else None,
    })


def recent(db: Database, limit: int = 100, *, target_type: str | None = None,
           target_id: object = None) -> list[AuditEntry]:
    where, params = [], []
    if target_type is not None:
        where.append("target_type = ?")
        params.append(target_type)
    if target_id is not None:
        where.append("target_id = ?")
        params.append(str(target_id))
    rows = db["audit_log"].rows_where(" AND ".join(where) or None, params, order_by="id desc", limit=limit)
    return [AuditEntry(id=r["id"], at=r["at"], actor=r["actor"], action=r["action"], target_type=r["target_type"],
                       target_id=r["target_id"], ip=r["ip"], detail=json.loads(r["detail"]) if r["detail"] else {})
            for r in rows]


def record_failed_login(db: Database, typed_name: str, ip: str | None, locked: bool) -> None:
    """The typed name is kept only when it is an existing account: people sometimes type a password there."""
    from civic.admin.users import get_user_by_name

    user = get_user_by_name(db, typed_name[:64]) if typed_name else None
    record(db, user.username if user else "-", "login_failed", ip=ip, reason="locked" if locked else "invalid")
