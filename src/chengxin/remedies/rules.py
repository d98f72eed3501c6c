"""Extensions and appeals: labels, limits and the checks that need no database."""

from __future__ import annotations

from datetime import date

from chengxin.errors import DomainError
from chengxin.publicity.rules import add_months

EXTENSION_LABELS = {"requested": "延期申请审核中", "granted": "已准予延期", "refused": "不予延期"}
# Default ours (no national figure found): an extension reaches at most this far past the original due date.
MAX_EXTENSION_MONTHS = 6
APPEAL_KINDS = {"reconsideration": "行政复议", "lawsuit": "行政诉讼"}
APPEAL_PENDING = {"reconsideration": "行政复议中", "lawsuit": "行政诉讼中"}
APPEAL_OUTCOMES = {"revoked": "原决定被撤销", "upheld": "原决定被维持", "withdrawn": "申请人撤回"}
# What a pending appeal does (行政复议法 art. 42, 行政诉讼法 art. 56: the decision is not suspended while
# it is reviewed): the matter stays in effect and its measures apply; every surface says it is under review.
APPEAL_EFFECT = ("复议、诉讼期间原决定不停止执行：该信息仍然有效，相关措施照常实施；复议机关或人民法院撤销原决定的，"
                 "该信息随即撤销，停止公示、共享和惩戒")


def check_extension(*, due_date: date, requested_until: date, today: date) -> None:
    """An extension is for an obligation not yet due, to a later day within the limit."""
    if due_date < today:
        raise DomainError("EXTENSION_ALREADY_DUE", "该义务的履行期限已过，不能再申请延期", 422)
    if requested_until <= due_date:
        raise DomainError("EXTENSION_NOT_LATER", "申请延期至的日期须晚于原履行期限", 422)
    limit = add_months(due_date, MAX_EXTENSION_MONTHS)
    if requested_until > limit:
        raise DomainError("EXTENSION_TOO_LONG", f"延期最长 {MAX_EXTENSION_MONTHS} 个月，即至 {limit.isoformat()}", 422)
