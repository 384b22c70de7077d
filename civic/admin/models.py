"""Typed read models of the dashboard, shared by the HTML pages and the JSON API (response models)."""
from __future__ import annotations

from pydantic import BaseModel, Field


class Count(BaseModel):
    key: str
    label: str
    count: int


class WeekCount(BaseModel):
    week: str = Field(description="ISO week start date (Monday), YYYY-MM-DD")
    count: int


class ProposalSummary(BaseModel):
    id: int
    receipt: str
    excerpt: str = Field(description="beginning of the PII-masked text")
    category: str | None = None
    district: str | None = None
    place: str | None = None
    channel: str | None = None
    status: str = Field(description="received | reviewing | answered | rejected")
    status_label: str = Field(description="접수 | 검토중 | 답변완료 | 반려")
    created_at: str
    supports: int = 0
    topic_id: int | None = None
    topic_label: str | None = None


class HistoryEntry(BaseModel):
    status: str
    status_label: str
    previous_status: str | None = None
    answer: str | None = None
    actor: str | None = None
    at: str


class ProposalDetail(ProposalSummary):
    masked_text: str
    answer: str | None = None
    history: list[HistoryEntry] = []


class ProposalPage(BaseModel):
    query: str = ""
    mode: str = "keyword"
    total: int
    items: list[ProposalSummary]
    scores: list[float] | None = Field(None, description="cosine similarity per item (semantic mode)")


class TopicSummary(BaseModel):
    id: int
    label: str
    size: int
    supports: int
    growth: int = Field(description="proposals in the last 4 weeks minus the 4 weeks before")
    trend: list[WeekCount]
    districts: list[Count]


class TopicNote(BaseModel):
    id: int
    note: str
    author: str
    created_at: str


class TopicDetail(TopicSummary):
    representative_ids: list[int]
    proposals: list[ProposalSummary]
    notes: list[TopicNote] = []


class Overview(BaseModel):
    total: int
    last_7_days: int
    supports: int
    unclustered: int
    topics: int
    by_status: list[Count]
    per_week: list[WeekCount]
    per_category: list[Count]
    per_district: list[Count]
    per_channel: list[Count]


class AnswerIn(BaseModel):
    status: str = Field(max_length=20, description="received | reviewing | answered | rejected (or the Korean label)")
    answer: str | None = Field(None, max_length=5000,
                               description="official answer shown to the citizen; required for answered/rejected")


class JobOut(BaseModel):
    id: int
    state: str = Field(description="queued | running | done | failed")
    stage: str | None = None
    progress: float = Field(description="0..1")
    message: str | None = None
    n_topics: int | None = None
    n_unclustered: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    created: bool = Field(False, description="false when a job was already running and is returned instead")


class EmbedderInfo(BaseModel):
    backend: str
    version: str | None = None
    details: dict = {}


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
