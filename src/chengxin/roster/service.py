"""Occupation rosters (职业信用档案): who is in an occupation, from the qualification and registration
records that put them there (chengxin.catalog.domain.roster_occupation), with how many of the
occupation's dishonesty matters stand against each.

The credit office sees every roster; a department only the rosters of the occupations whose items it
submits (the justice bureau its lawyers, the statistics bureau its statistics staff). Showing who is
on a roster reads personal data: every member shown is logged through the access-log choke point."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller
from chengxin.catalog.rules import Catalog
from chengxin.crypto import Keys
from chengxin.errors import DomainError
from chengxin.masking import mask_id, mask_name
from chengxin.roster import repository as repo
from chengxin.roster import schemas as s


def roster_items(catalog: Catalog, occupation: str) -> list[str]:
    """The items whose records put a person on this roster (neutral items naming the occupation)."""
    return [i.code for i in catalog.items.values() if i.nature == "neutral" and occupation in i.occupations]


def visible(catalog: Catalog, caller: Caller) -> dict[str, str]:
    """The rosters this caller may open: all for the credit office, else those of the occupations
    whose roster items the caller's department submits."""
    out = {}
    for code, name in catalog.occupations.items():
        items = roster_items(catalog, code)
        if not items:
            continue
        if caller.has("operator") or any(caller.department_code in catalog.items[i].source_departments
                                         for i in items):
            out[code] = name
    return out


def roster(session: Session, keys: Keys, catalog: Catalog, caller: Caller, occupation: str, as_of: date,
           limit: int, offset: int) -> s.RosterOut:
    if occupation not in catalog.occupations:
        raise DomainError("ROSTER_OCCUPATION_UNKNOWN", f"目录中没有职业人群“{occupation[:40]}”", 404)
    if occupation not in visible(catalog, caller):
        raise DomainError("ROSTER_FORBIDDEN", "本部门不报送该职业人群的资格或登记信息，不能查看其信用档案", 403)
    rows = repo.members(session, occupation, as_of, limit, offset)
    dishonest = [i.code for i in catalog.items.values() if i.nature == "negative" and occupation in i.occupations]
    counts = repo.negatives(session, list({m.subject_key for m, _, _ in rows}), dishonest, as_of)
    log_reads(session, caller, "roster", [Read(m.subject_key, "ok", m.id) for m, _, _ in rows],
              purpose=f"职业信用档案：{catalog.occupations[occupation]}")
    members = []
    for m, name, cipher in rows:
        item = catalog.items.get(m.item_code or "")
        members.append(s.MemberOut(
            person_key=m.subject_key, name=mask_name(name),
            id_number=mask_id(keys.decrypt(cipher, m.subject_key.encode())),
            item_code=m.item_code or "", item_name=item.name if item else (m.item_code or ""),
            department_code=m.department_code, department_name=catalog.departments.get(m.department_code, ""),
            since=m.start_date, negatives=counts.get(m.subject_key, 0)))
    return s.RosterOut(occupation=occupation, occupation_name=catalog.occupations[occupation], as_of=as_of,
                       total=repo.count(session, occupation, as_of), members=members)
