"""Who stands at the counter: the one identity check of every counter form (a repair application,
a credit report, a listing statement entered on a person's behalf)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengxin.crypto import Keys
from chengxin.errors import DomainError
from chengxin.identity.rules import Identifier, parse_identifier
from chengxin.keyring.service import resolve_one
from chengxin.persons import repository as persons


class CounterRefusal(DomainError):
    """A refusal after the person was identified: carries their subject key, so that the counter can
    log the attempt on their data."""

    def __init__(self, code: str, message: str, status: int, subject_key: str) -> None:
        super().__init__(code, message, status)
        self.subject_key = subject_key


def require_id_checked(checked: bool, *, prefix: str, who: str) -> None:
    """The clerk has confirmed seeing the original ID card; `<prefix>_ID_NOT_CHECKED` otherwise."""
    if not checked:
        raise DomainError(f"{prefix}_ID_NOT_CHECKED", f"请先查验{who}的身份证件原件并勾选确认", 422)


def identify(session: Session, keys: Keys, *, id_type: str, id_number: str, name: str, checked: bool,
             prefix: str, who: str) -> tuple[str, Identifier]:
    """The subject key and identifier of the person at the counter, once the clerk has checked the ID
    card and the name matches the one on file (a refusal after that is a `CounterRefusal`). The error
    codes keep each counter's prefix (`COUNTER_…` for repairs, `REPORT_…` for reports), so that
    callers see the codes they always saw."""
    require_id_checked(checked, prefix=prefix, who=who)
    try:
        ident = parse_identifier(id_type, id_number)
    except DomainError as err:
        raise DomainError("ID_INVALID", err.message, 422) from err
    key = resolve_one(session, keys, ident.id_type, ident.number)
    person = persons.get(session, key)
    if person is None:
        raise CounterRefusal("PERSON_NOT_FOUND", "平台中没有此人的信用档案", 404, key)
    if " ".join((name or "").split()) != (person.name or ""):
        raise CounterRefusal(f"{prefix}_NAME_MISMATCH", "姓名与平台登记的姓名不一致，请核对证件", 422, key)
    return key, ident
