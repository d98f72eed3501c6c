"""Form input as the API's Pydantic models: a page validates with the very same schema."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chengxin.errors import DomainError, _zh_validation

M = TypeVar("M", bound=BaseModel)


def model_from_form(model: type[M], labels: dict[str, str], **values: Any) -> M:
    """The model, or a REQUEST_INVALID error naming each field by its Chinese label."""
    try:
        return model(**values)
    except ValidationError as exc:
        errors = [{"field": labels.get(str(e["loc"][0]) if e["loc"] else "", str(e["loc"][:1])),
                   "code": e["type"], "message": _zh_validation(dict(e))} for e in exc.errors()]
        raise DomainError("REQUEST_INVALID", "填写的内容不符合要求", 422, errors=errors) from None
