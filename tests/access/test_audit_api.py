"""'Who looked at my credit file', its proofs, the auditors' search and the public tree head."""

from __future__ import annotations

from sqlalchemy import func, select, update

from chengxin.access.models import AccessEntry
from chengxin.access.rules import check_proof
from chengxin.access.sealing import seal
from chengxin.access.service import Read, log_reads
from chengxin.access.verify import record, verify
from chengxin.accounts import service as accounts
from chengxin.callers import Caller
from chengxin.clock import utcnow
from chengxin.signing import PublicKeys
from helpers import as_role, cid

CHECKER = Caller.of(frozenset({"checker"}), department_code="human_resources", account_id="01JDCHECKER000000000000000")
BANK = Caller.of(frozenset({"third_party"}), org_uscc="91350100M000100Y43", account_id="01JDBANK000000000000000000")
AUDITOR = as_role("auditor")


def person(session, settings, keys, n: int) -> tuple[str, dict[str, str]]:
    """A signed-in person: their subject key and request headers."""
    subject = keys.subject_key("citizen_id", cid(n))
    account = accounts.create_account(session, kind="person", display_name=f"本人{n}", roles=["person"],
                                      person_key=subject)
    issued = accounts.issue_token(session, settings, account.id, name="test person")
    session.flush()
    return subject, {"Authorization": f"Bearer {issued.token}"}


def read(session, caller: Caller, subject: str, **kw) -> int:
    log_reads(session, caller, kw.pop("action", "check"), [Read(subject, kw.pop("result", "clear"))], **kw)
    session.flush()
    return session.scalar(select(func.max(AccessEntry.seq)))


def test_a_person_sees_only_who_read_their_own_data_newest_first(client, session, settings, keys, signer):
    me, headers = person(session, settings, keys, 1)
    other, _ = person(session, settings, keys, 2)
    first = read(session, CHECKER, me, purpose="公务员招录资格审查", basis="civil_service_recruitment",
                 business_ref="招录-1")
    read(session, CHECKER, other, purpose="别人的核查")
    second = read(session, BANK, me, action="authorised_query", result="ok", purpose="个人住房贷款审批",
                  basis="01JDAUTHZ00000000000000000")
    seal(session, signer)
    third = read(session, CHECKER, me, purpose="再次核查")
    res = client.get("/api/v1/me/accesses", headers=headers)
    assert res.status_code == 200, res.text
    items = res.json()["items"]
    assert [i["seq"] for i in items] == [third, second, first]
    newest, bank, hr = items
    assert (newest["status"], newest["status_label"]) == ("pending", "待封存")
    assert (hr["status"], hr["status_label"], hr["who"]) == ("sealed", "已封存", "市人力资源和社会保障局")
    assert (hr["action_label"], hr["purpose"], hr["business_ref"], hr["result_label"]) == (
        "联合奖惩核查", "公务员招录资格审查", "招录-1", "通过")
    assert bank["organisation"] == "91350100M000100Y43" and "91350100M000100Y43" in bank["who"]
    assert bank["role_label"] == "第三方机构"
    assert all("别人" not in (i["purpose"] or "") for i in items)
    assert "subject_key" not in hr and "account" not in hr


def test_the_list_pages_by_seq_across_sealed_and_pending_entries(client, session, settings, keys, signer):
    me, headers = person(session, settings, keys, 3)
    seqs = [read(session, CHECKER, me) for _ in range(3)]
    read(session, CHECKER, keys.subject_key("citizen_id", cid(30)))
    seal(session, signer)
    seqs += [read(session, CHECKER, me) for _ in range(2)]
    page = client.get("/api/v1/me/accesses?limit=2", headers=headers).json()
    assert [i["seq"] for i in page["items"]] == seqs[:2:-1][:2] and page["next_before"] == seqs[3]
    rest = client.get(f"/api/v1/me/accesses?limit=2&before={page['next_before']}", headers=headers).json()
    assert [i["seq"] for i in rest["items"]] == [seqs[2], seqs[1]]
    last = client.get(f"/api/v1/me/accesses?limit=2&before={rest['next_before']}", headers=headers).json()
    assert [i["seq"] for i in last["items"]] == [seqs[0]] and last["next_before"] is None
    statuses = [i["status"] for p in (page, rest, last) for i in p["items"]]
    assert statuses == ["pending", "pending", "sealed", "sealed", "sealed"]


def test_a_person_gets_a_proof_for_their_own_entry_only(client, session, settings, keys, signer):
    me, headers = person(session, settings, keys, 4)
    other, _ = person(session, settings, keys, 5)
    mine = read(session, CHECKER, me, purpose="资格审查")
    theirs = read(session, CHECKER, other)
    pending = client.get(f"/api/v1/me/accesses/{mine}/proof", headers=headers).json()
    assert pending["status_label"] == "待封存" and pending["audit_path"] is None
    seal(session, signer)
    res = client.get(f"/api/v1/me/accesses/{mine}/proof", headers=headers)
    assert res.status_code == 200, res.text
    doc = res.json()
    published = PublicKeys.from_json(client.get("/api/v1/signing-keys").json())
    check = check_proof(doc, published)
    assert check.ok and check.key_trusted and check.seq == mine
    assert doc["entry"]["subject_key"] == me and cid(4) not in doc["leaf_data"]
    refused = client.get(f"/api/v1/me/accesses/{theirs}/proof", headers=headers)
    assert refused.status_code == 404 and refused.json()["code"] == "ACCESS_ENTRY_NOT_FOUND"
    assert client.get(f"/api/v1/me/accesses/{theirs + 1000}/proof", headers=headers).status_code == 404


def test_only_persons_have_an_access_history(client):
    res = client.get("/api/v1/me/accesses", headers=AUDITOR)
    assert res.status_code == 403
    assert client.get("/api/v1/me/accesses").status_code == 401


def test_auditors_search_the_log(client, session, settings, keys, signer):
    me, headers = person(session, settings, keys, 6)
    a = read(session, CHECKER, me, purpose="核查")
    b = read(session, BANK, me, action="authorised_query", result="ok")
    read(session, CHECKER, keys.subject_key("citizen_id", cid(7)))
    seal(session, signer)
    res = client.get(f"/api/v1/audit/log?subject_key={me}", headers=AUDITOR)
    assert res.status_code == 200, res.text
    assert [i["seq"] for i in res.json()["items"]] == [b, a]
    by_org = client.get("/api/v1/audit/log?organisation=91350100M000100Y43", headers=AUDITOR).json()["items"]
    assert [i["seq"] for i in by_org] == [b] and by_org[0]["account"] == BANK.account_id
    hr = client.get("/api/v1/audit/log?department=human_resources&action=check", headers=AUDITOR).json()["items"]
    assert {i["department"] for i in hr} == {"human_resources"} and len(hr) == 2
    none = client.get("/api/v1/audit/log", params={"since": utcnow().isoformat()}, headers=AUDITOR).json()
    assert none["items"] == []
    proof = client.get(f"/api/v1/audit/log/{a}/proof", headers=AUDITOR).json()
    assert check_proof(proof).ok
    assert client.get("/api/v1/audit/log", headers=headers).status_code == 403


def test_tree_head_and_public_keys_are_public(client, session, signer):
    assert client.get("/api/v1/audit/tree-head").json()["code"] == "AUDIT_NO_TREE_HEAD"
    read(session, CHECKER, "0" * 32)
    seal(session, signer)
    head = client.get("/api/v1/audit/tree-head").json()
    assert head["tree_size"] == 1 and head["key_id"] == signer.key_id and head["last_verification"] is None
    record(session, verify(session, signer.public_keys()), utcnow())
    session.flush()
    last = client.get("/api/v1/audit/tree-head").json()["last_verification"]
    assert last["ok"] is True and last["tree_size"] == 1
    keys = client.get("/api/v1/signing-keys").json()["keys"]
    assert [(k["key_id"], k["active"]) for k in keys] == [(signer.key_id, True)]


def test_an_altered_entry_gets_no_proof(client, session, settings, keys, signer):
    me, headers = person(session, settings, keys, 8)
    seq = read(session, CHECKER, me)
    seal(session, signer)
    session.execute(update(AccessEntry).where(AccessEntry.seq == seq).values(purpose="改过"))
    res = client.get(f"/api/v1/me/accesses/{seq}/proof", headers=headers)
    assert res.status_code == 409 and res.json()["code"] == "AUDIT_ENTRY_ALTERED"


def test_entries_under_a_key_from_before_a_rekey_are_still_the_persons(client, session, settings, keys, signer):
    from chengxin.keyring.repository import save_aliases

    me, headers = person(session, settings, keys, 9)
    old = "0" * 31 + "9"
    before = read(session, CHECKER, old, purpose="换密钥之前")
    now = read(session, CHECKER, me, purpose="换密钥之后")
    read(session, CHECKER, "0" * 31 + "8")  # someone else's old key
    save_aliases(session, [{"old_key": old, "new_key": me, "subject_kind": "person", "hash_version": 2}], utcnow())
    session.flush()
    seal(session, signer)
    items = client.get("/api/v1/me/accesses", headers=headers).json()["items"]
    assert [i["seq"] for i in items] == [now, before]
    assert client.get(f"/api/v1/me/accesses/{before}/proof", headers=headers).json()["status"] == "sealed"
    assert client.get(f"/api/v1/me/accesses/{before + 2}/proof", headers=headers).status_code == 404
