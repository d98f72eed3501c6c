"""A small world of two of everything, for the object-level route matrix (test_route_matrix.py).

Two departments (market regulation, tax), two persons, two third parties and two organisations,
each with its own records, objection, repair application, authorisations, credential, check, direct list
entry, subscription, notice, batch and access-log entry. Every object names the identities that
may address it; the matrix walks every route with every identity over every object and asserts
that each reaches exactly its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from chengxin.access.sealing import seal
from chengxin.accounts import repository as accounts_repo
from chengxin.accounts import service as accounts
from chengxin.clock import utcnow
from chengxin.exchange.models import Disclosure
from chengxin.identity.rules import uscc_check_char
from chengxin.notices import service as notices
from helpers import DEPT, OPERATOR, PDF, as_dept, as_role, cid, days_ago, penalty, submit, with_csrf

TAX = as_dept("tax")
# Compound surnames mask to the surname alone (R8), so a full name anywhere is a leak.
NAMES = {"P1": "欧阳明甲", "P2": "司马亮乙"}
NUMBERS = {"P1": cid(701), "P2": cid(702)}
DEPARTMENTS = {"A": "market_regulation", "B": "tax"}
THIRD_PARTIES = {"T1": "91350100M000100Y43", "T2": "91110000600037341L"}


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


ORGS = {"A": "91310115MA1K3BTP2B", "B": _uscc("91310115MA1K3BTQ0")}


@dataclass(frozen=True, slots=True)
class Obj:
    """An object some identities may address: its kind (a route placeholder), its value, those
    identities, and the person or parent it belongs to (combinations must agree on them)."""

    kind: str
    value: str
    owners: frozenset[str]
    person: str | None = None
    parent: str | None = None  # the value of the object this one belongs to (evidence -> case)


@dataclass
class World:
    headers: dict[str, dict[str, str]]  # identity -> request headers ("anon" has none)
    roles: dict[str, frozenset[str]]
    objects: dict[str, list[Obj]] = field(default_factory=dict)  # kind -> the two (or more) of that kind
    markers: dict[str, frozenset[str]] = field(default_factory=dict)  # text -> identities that may see it

    def add(self, obj: Obj) -> Obj:
        self.objects.setdefault(obj.kind, []).append(obj)
        return obj


def _bearer(session, settings, **account: Any) -> dict[str, str]:
    acc = accounts.create_account(session, display_name="测试", **account)
    return {"Authorization": f"Bearer {accounts.issue_token(session, settings, acc.id, name='matrix').token}"}


def _person(session, settings, keys, who: str) -> dict[str, str]:
    key = keys.subject_key("citizen_id", NUMBERS[who])
    account = accounts_repo.by_person_key(session, key) or accounts.create_account(
        session, kind="person", display_name="本人", roles=["person"], person_key=key)
    return {"Authorization": f"Bearer {accounts.issue_token(session, settings, account.id, name='matrix').token}"}


def _ok(res: Any, *codes: int) -> Any:
    assert res.status_code in (codes or (200, 201)), (res.request.method, res.request.url, res.status_code,
                                                      res.text[:400])
    return res


def build(client, session, settings, keys, signer, factory) -> World:
    """Make the world through the API, as its users would."""
    headers = {"anon": {}, "admin": as_role("platform_admin"), "operator": OPERATOR, "auditor": as_role("auditor"),
               "A": DEPT, "B": TAX}
    for p in ("P1", "P2"):
        headers[p] = _person(session, settings, keys, p)
    for t, uscc in THIRD_PARTIES.items():
        headers[t] = _bearer(session, settings, kind="third_party", roles=["third_party"], org_uscc=uscc)
    session.commit()
    roles = {"anon": frozenset(), "admin": frozenset({"platform_admin"}), "operator": frozenset({"operator"}),
             "auditor": frozenset({"auditor"}), "A": frozenset({"submitter", "checker"}),
             "B": frozenset({"submitter", "checker"}), "P1": frozenset({"person"}), "P2": frozenset({"person"}),
             "T1": frozenset({"third_party"}), "T2": frozenset({"third_party"})}
    w = World(headers, roles)
    staff = frozenset({"operator"})
    for side, p, t in (("A", "P1", "T1"), ("B", "P2", "T2")):
        dept = headers[side]
        number, name, key = NUMBERS[p], NAMES[p], keys.subject_key("citizen_id", NUMBERS[p])
        source = f"MATRIX-{side}-1"
        batch = _ok(submit(client, [penalty(701 if side == "A" else 702, id_number=number, name=name,
                                            source_record_id=source, decision_date=days_ago(182))], headers=dept))
        w.add(Obj("batch", batch.json()["batch_id"], frozenset({side}), p))
        w.add(Obj("source", source, frozenset({side}), p))
        w.add(Obj("number", number, frozenset({side}) | staff, p))
        w.add(Obj("person_key", key, frozenset({side}) | staff, p))
        file = _ok(client.get("/api/v1/me/file", headers=headers[p])).json()
        record = next(m["record"]["id"] for c in file["categories"] for m in c["matters"]
                      if m["record"] and m["record"]["source_record_id"] == source)
        # The person's record; their third party reaches it only through a grant (agent routes).
        w.add(Obj("record", record, frozenset({p, t}), p))
        files = [("evidence", ("证明.pdf", PDF, "application/pdf"))]
        o = _ok(client.post("/api/v1/me/objections", headers=headers[p], files=files,
                            data={"target_kind": "record", "target_id": record, "reason": "罚款金额登记有误"})).json()
        w.add(Obj("objection", o["id"], frozenset({p, side}) | staff, p))
        w.add(Obj("objection_evidence", o["evidence"][0]["id"], frozenset({p, side}) | staff, p, o["id"]))
        r = _ok(client.post("/api/v1/me/repairs", headers=headers[p], files=files, data={
            "target_kind": "record", "target_id": record, "method": "fine_paid", "statement": "罚款已经缴清",
            "commitment": "true"})).json()
        w.add(Obj("repair", r["id"], frozenset({p, side}) | staff, p))  # the deciding department's (R14)
        w.add(Obj("repair_evidence", r["evidence"][0]["id"], frozenset({p, side}) | staff, p, r["id"]))
        # The matter as its deciding department and the office handle it; an extension the person asked
        # for on it and a reconsideration the department recorded (R14: both the deciding department's).
        w.add(Obj("matter", record, frozenset({side}) | staff, p))
        due = (utcnow() + timedelta(days=10)).date()
        x = _ok(client.post(f"/api/v1/me/matters/{record}/extensions", headers=headers[p], json={
            "obligation": "缴纳罚款", "due_date": due.isoformat(),
            "requested_until": (due + timedelta(days=30)).isoformat(), "reason": "暂时无力一次缴清"})).json()
        w.add(Obj("extension", x["id"], frozenset({side}) | staff, p))
        a = _ok(client.post(f"/api/v1/matters/{record}/appeals", headers=dept, json={
            "kind": "reconsideration", "case_number": f"示复〔2026〕{side}号", "body": "示范市人民政府",
            "filed_on": days_ago(2)})).json()
        w.add(Obj("appeal", a["id"], frozenset({side}) | staff, p))
        until = (utcnow() + timedelta(days=30)).isoformat()
        for purpose, kind in (("loan", "authorisation"), ("agent", "agent_grant")):
            g = _ok(client.post("/api/v1/me/authorisations", headers=headers[p], json={
                "grantee_uscc": THIRD_PARTIES[t], "purpose_code": purpose, "purpose": "个人住房贷款审批",
                "scope": ["XZCF"], "valid_until": until, "use_mode": "repeated"})).json()
            w.add(Obj(kind, g["id"], frozenset({p, t}), p))
            if kind == "authorisation":  # the third party uses it: what it received is noted (R14)
                _ok(client.post(f"/api/v1/authorisations/{g['id']}/query", headers=headers[t], json={
                    "purpose_code": "loan", "purpose": "个人住房贷款审批"}))
                got = session.scalars(select(Disclosure).where(Disclosure.receiver == THIRD_PARTIES[t])).first()
                w.add(Obj("disclosure", got.id, frozenset({t}), p))
        credential = _ok(client.post("/api/v1/me/credentials", headers=headers[p],
                                     json={"claim": "not_blacklisted"})).json()
        w.add(Obj("credential", credential["id"], frozenset({p}), p))
        check = _ok(client.post("/api/v1/checks", headers=dept, json={
            "id_number": number, "scenario": "administrative_licensing", "department": DEPARTMENTS[side],
            "purpose": "许可审查", "business_ref": f"REF-{side}"})).json()
        w.add(Obj("check", check["check_id"], frozenset({side}), p))
        sent = _ok(client.post("/dept/checks/batch", headers=with_csrf(dept, client), data={
            "scenario": "administrative_licensing", "purpose": "许可审查", "business_ref": f"REF-{side}"},
            files={"file": ("名单.csv", f"证件号码,姓名\n{number},{name}\n".encode())}, follow_redirects=False), 303)
        w.add(Obj("check_batch", sent.headers["location"].rsplit("/", 1)[1], frozenset({side}), p))
        entry = _ok(client.post("/api/v1/lists/entries", headers=dept, json={
            "list_type": "watch", "id_number": number, "name": name, "basis": "《条例》第十条",
            "start_date": days_ago(10), "severity": "general"})).json()
        w.add(Obj("entry", entry["id"], frozenset({side}) | staff, p))
        proc = _ok(client.post("/api/v1/listing-procedures", headers=dept, json={
            "id_number": number, "name": name, "facts": "拒不履行", "basis": "《条例》第十条"}), 201).json()
        w.add(Obj("procedure", proc["id"], frozenset({side, p}) | staff, p))
        _ok(client.post("/api/v1/watch/subscriptions", headers=dept, json={"persons": [{"id_number": number}]}))
        w.add(Obj("subscription", key, frozenset({side}), p))
        org = _ok(client.put(f"/api/v1/organisations/{ORGS[side]}", headers=dept, json={
            "name": f"矩阵测试{side}公司", "persons": [{"role": "legal_representative", "id_number": number,
                                                   "name": name}]})).json()
        w.add(Obj("org", org["uscc"], frozenset({side}), p))
    session.commit()
    notices.deliver_due(factory, keys, settings)
    seal(session, signer)
    session.commit()
    for p in ("P1", "P2"):
        inbox = _ok(client.get("/api/v1/me/notices", headers=headers[p])).json()["items"]
        w.add(Obj("notice", inbox[0]["id"], frozenset({p}), p))
        seq = _ok(client.get("/api/v1/me/accesses", headers=headers[p])).json()["items"][0]["seq"]
        w.add(Obj("seq", str(seq), frozenset({p, "auditor"}), p))
    # What each identity may see in any answer. A person's full name and number: the person and
    # the credit office (masked for everyone else, R8), the name also the department that wrote it.
    # A department's source record ids: it, the person, their third party, the credit office. The
    # ids of the objects above: their owners, the person they are about (the access log shows a
    # person the references of reads about them), the credit office and the auditor (the log's
    # references). Record ids are not secret: a record in publicity is on the public pages.
    for side, p, t in (("A", "P1", "T1"), ("B", "P2", "T2")):
        w.markers[NAMES[p]] = frozenset({p, "operator", side})
        w.markers[NUMBERS[p]] = frozenset({p, "operator"})
        w.markers[f"MATRIX-{side}-1"] = frozenset({side, p, t, "operator"})
    for kind in ("objection", "objection_evidence", "repair", "repair_evidence", "authorisation", "agent_grant",
                 "check", "entry", "batch", "notice", "check_batch", "credential", "disclosure", "procedure"):
        for obj in w.objects[kind]:
            w.markers[obj.value] = obj.owners | {obj.person, "operator", "auditor"}
    return w
