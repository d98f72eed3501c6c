"""Pure article rules: kinds, and what a public text may not contain."""

from __future__ import annotations

from chengxin.errors import DomainError
from chengxin.notices.rules import has_id_number

KINDS = {"knowledge": "信用知识", "honest_case": "诚信典型", "dishonest_case": "失信案例"}


def check_public_text(*texts: str) -> None:
    """Published texts are read by anyone: no ID numbers (names in cases should be masked, R8)."""
    if any(has_id_number(t) for t in texts):
        raise DomainError("ARTICLE_CONTAINS_ID_NUMBER", "公开文章不得包含证件号码，请脱敏后再发布", 422)
