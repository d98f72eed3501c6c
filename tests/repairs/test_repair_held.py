"""Materials already held (R14): when the deciding department's own later record shows the obligation
met (held.yaml: an enforcement that collected the fine), the person is not asked for proof and the
reviewer sees it as fetched; a record from another department or about another decision does not count."""

from __future__ import annotations

from datetime import date

from chengxin.repairs.rules import held, held_proofs
from helpers import DEPT, as_dept, as_person, cid, days_ago, error_code, own_record, penalty, submit

TAX = as_dept("tax")


def _enforced(n: int, number: str, decision_no: str, method: str = "划拨存款、汇款", m: int = 0) -> dict:
    return {"item_code": "XZQZ-01", "id_type": "citizen_id", "id_number": number, "name": "张三",
            "source_record_id": f"QZ-2026-{n:06d}{m}", "decision_date": days_ago(30),
            "fields": {"decision_no": f"京朝市监强〔2026〕{n}号", "enforcement_method": method,
                       "underlying_decision": decision_no, "authority": "市市场监督管理局"}}


def _apply(client, person, matter_id: str, files):
    return client.post("/api/v1/me/repairs", headers=person, files=files, data={
        "target_kind": "matter", "target_id": matter_id, "method": "fine_paid", "statement": "罚款已被划拨缴清",
        "commitment": "true"})


def test_a_proof_the_department_holds_is_fetched_not_asked_for(client, session, settings, keys):
    number = cid(1851)
    decision = "京朝市监罚〔2026〕1851号"
    assert submit(client, [penalty(1851, id_number=number, decision_date=days_ago(120))]).status_code == 201
    person = as_person(session, settings, keys, number)
    matter = own_record(client, person, "SCJG-2026-001851")["id"]
    # Before the department holds anything, the proof is asked for.
    assert error_code(_apply(client, person, matter, [])) == "REPAIR_EVIDENCE_REQUIRED"
    # An enforcement by another department, or one that only added a late fee, proves nothing.
    assert submit(client, [_enforced(1851, number, decision)], headers=TAX).status_code == 201
    assert submit(client, [_enforced(1851, number, decision, "加处罚款或者滞纳金", 1)]).status_code == 201
    info = client.get("/api/v1/me/repairs/eligibility", headers=person,
                      params={"target_kind": "matter", "target_id": matter}).json()
    assert info["held"] == []
    # The deciding department's own enforcement that collected the money does.
    assert submit(client, [_enforced(1851, number, decision, m=2)]).status_code == 201
    info = client.get("/api/v1/me/repairs/eligibility", headers=person,
                      params={"target_kind": "matter", "target_id": matter}).json()
    assert info["held"] == [f"本部门已掌握：{days_ago(30)} 的记录（京朝市监强〔2026〕1851号）"
                            "表明原决定确定的义务已经强制执行完毕"]
    page = client.get(f"/me/repairs/eligibility?matter={matter}", headers=person).text
    assert "无需您再提供证明材料" in page
    made = _apply(client, person, matter, [])
    assert made.status_code == 201, made.text
    review = client.get(f"/console/repairs/{made.json()['id']}", headers=DEPT).text
    assert "本部门已掌握" in review and "未要求申请人提供" in review


def test_the_held_rule_is_pure_and_names_its_decision():
    rows = [("R1", "market_regulation", "XZQZ-01", date(2026, 10, 1),
             {"underlying_decision": "罚〔2026〕1号", "enforcement_method": "代履行", "decision_no": "强〔2026〕1号"}),
            ("R2", "market_regulation", "XZQZ-01", date(2026, 1, 1),  # before the decision: not about it
             {"underlying_decision": "罚〔2026〕1号", "enforcement_method": "代履行"})]
    found = held(held_proofs(), department="market_regulation", reference="罚〔2026〕1号", since=date(2026, 5, 1),
                 records=rows)
    assert [(h.record_id, h.reference) for h in found] == [("R1", "强〔2026〕1号")]
    assert held(held_proofs(), department="market_regulation", reference=None, since=date(2026, 5, 1),
                records=rows) == []
