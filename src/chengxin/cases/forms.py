"""A refused objection or repair form comes back with its messages beside the fields they are about
(the GOV.UK error pattern): which field each stable error code belongs to."""

from __future__ import annotations

from collections.abc import Mapping

from chengxin.errors import DomainError

# The evidence field cannot keep a chosen file (no browser lets a page refill one): say so.
EVIDENCE_CODES = frozenset({"EVIDENCE_TYPE", "EVIDENCE_EMPTY", "EVIDENCE_TOO_LARGE", "EVIDENCE_TOO_MANY",
                            "REPAIR_EVIDENCE_REQUIRED"})
FIELD_OF_CODE: Mapping[str, str] = {
    **dict.fromkeys(EVIDENCE_CODES, "evidence"),
    "OBJECTION_REASON_REQUIRED": "reason",
    "REPAIR_STATEMENT_REQUIRED": "statement",
    "REPAIR_COMMITMENT_REQUIRED": "commitment",
    "REPAIR_METHOD_NOT_ALLOWED": "method",
}


def form_errors(err: DomainError) -> dict[str, str]:
    """Field name -> message ("" for the whole form) for the page's error summary and its fields."""
    field = FIELD_OF_CODE.get(err.code, "")
    message = err.message
    if field == "evidence" and err.code != "REPAIR_EVIDENCE_REQUIRED":
        message = f"{message}，请重新选择文件"
    return {field: message}
