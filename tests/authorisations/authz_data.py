"""Test data for authorised queries: a test signing key, a person, a bank, records."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from chengxin.authorisations import schemas as s
from chengxin.authorisations import service
from chengxin.callers import Caller
from chengxin.clock import utcnow
from chengxin.signing import Signer
from helpers import COURT, DEPT, as_dept, cid, court_case, penalty, submit

TEST_SIGNER = Signer.from_seed(bytes(range(32)))
BANK = "91350100M000100Y43"
OTHER_ORG = "91110000600037341L"
WATER = as_dept("water_supply")
MAX_DAYS = 365


def person_of(keys: Any, n: int = 1, **kw: Any) -> Caller:
    return Caller.of(frozenset({"person"}), person_key=keys.subject_key("citizen_id", cid(n, **kw)),
                     account_id=f"P{n:025d}")


def bank(uscc: str = BANK) -> Caller:
    return Caller.of(frozenset({"third_party"}), org_uscc=uscc, account_id=f"B{uscc[-8:]:0>25}")


def grant_body(**overrides: Any) -> s.GrantIn:
    body: dict[str, Any] = {"grantee_uscc": BANK, "purpose_code": "loan", "purpose": "个人住房贷款审批",
                            "scope": ["XZCF"], "valid_until": utcnow() + timedelta(days=30), "use_mode": "repeated"}
    body.update(overrides)
    return s.GrantIn(**body)


def grant(session: Any, catalog: Any, person: Caller, **overrides: Any):
    return service.grant(session, person, grant_body(**overrides), catalog=catalog, signer=TEST_SIGNER,
                         max_days=MAX_DAYS)


def seed_records(client: TestClient, n: int = 1, **kw: Any) -> None:
    """A person with a public penalty (XZCF), a government-only minor penalty (XZCF), a court
    case (SFCP) and a public award (XZJL)."""
    born = kw.get("born")
    ident = {"id_number": cid(n, **kw)}
    res = submit(client, [
        penalty(n, **ident),
        {"item_code": "XZCF-02", **ident, "name": "张三", "source_record_id": f"SCJG-Q-{n}",
         "decision_date": "2026-06-01",
         "fields": {"decision_no": f"京朝市监简罚〔2026〕{n}号", "violation": "未按规定公示",
                    "penalty_type": "警告", "authority": "市市场监督管理局"}},
        {"item_code": "XZJL-01", **ident, "name": "张三", "source_record_id": f"SCJG-J-{n}",
         "decision_date": "2026-03-01",
         "fields": {"award_doc_no": f"京市监奖〔2026〕{n}号", "award_name": "诚信经营示范户",
                    "authority": "市市场监督管理局"}},
    ], DEPT)
    assert res.json()["created"] == 3, res.json()
    if born is None or born < date(2008, 1, 1):  # minors are never on court lists
        assert submit(client, [court_case(n, **ident, name="张三")], COURT).json()["created"] == 1
