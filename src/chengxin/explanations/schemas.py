"""Explanation API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chengxin.explanations.models import Explanation
from chengxin.explanations.rules import MAX_CHARS

EXAMPLE_TEXT = "罚款已于 2026 年 9 月缴清；当时因店面装修未及时办理变更登记。"
CHANNEL_LABELS = {"online": "本人提交", "counter": "窗口代为提交"}


class ExplanationIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_CHARS * 2, description=f"本人对该事项的解释，5–{MAX_CHARS} 字")

    model_config = {"json_schema_extra": {"examples": [{"text": EXAMPLE_TEXT}]}}


class ExplanationOut(BaseModel):
    matter_id: str
    text: str
    channel: str = Field(description="online 本人提交 / counter 窗口代为提交")
    channel_label: str
    created_at: datetime
    updated_at: datetime

    model_config = {"json_schema_extra": {"examples": [{
        "matter_id": "01JBZZ4F8M2K6T9W3X5Y7A1C3E", "text": EXAMPLE_TEXT,
        "channel": "online", "channel_label": "本人提交", "created_at": "2026-11-20T02:00:00Z",
        "updated_at": "2026-11-20T02:00:00Z"}]}}

    @classmethod
    def of(cls, e: Explanation) -> ExplanationOut:
        return cls(matter_id=e.matter_id, text=e.text, channel=e.channel,
                   channel_label=CHANNEL_LABELS.get(e.channel, e.channel), created_at=e.created_at,
                   updated_at=e.updated_at)
