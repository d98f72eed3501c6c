"""自主解释 (R14, the seeds' loss-reducing steps): the person attaches an explanation to their matter;
it is shown with the matter in their file, in a department's and the office's view, and beside the
repair; editable and withdrawable; length-limited; it changes nothing about the matter."""

from __future__ import annotations

from chengxin.creditfile.schemas import MatterOut
from chengxin.reports.content import line
from helpers import DEPT, OPERATOR, PNG, as_person, cid, days_ago, error_code, own_record, penalty, submit, with_csrf

TEXT = "罚款已于上月缴清；当时因店面装修未及时办理变更登记。"


def _matter(client, session, settings, keys, n: int):
    number = cid(n)
    assert submit(client, [penalty(n, id_number=number, decision_date=days_ago(120))]).status_code == 201
    person = as_person(session, settings, keys, number)
    return number, person, own_record(client, person, f"SCJG-2026-{n:06d}")


def _explained(file: dict, matter_id: str):
    return next(m for c in file["categories"] for m in c["matters"] if m["id"] == matter_id)["explanation"]


def test_an_explanation_is_shown_with_the_matter_everywhere_and_can_be_edited_and_withdrawn(
        client, session, settings, keys):
    number, person, rec = _matter(client, session, settings, keys, 1811)
    url = f"/api/v1/me/matters/{rec['id']}/explanation"
    too_short = client.put(url, headers=person, json={"text": "不服"})
    assert too_short.status_code == 422 and error_code(too_short) == "EXPLANATION_TOO_SHORT"
    too_long = client.put(url, headers=person, json={"text": "长" * 501})
    assert too_long.status_code == 422 and error_code(too_long) == "EXPLANATION_TOO_LONG"
    saved = client.put(url, headers=person, json={"text": TEXT})
    assert saved.status_code == 200 and saved.json()["text"] == TEXT and saved.json()["channel"] == "online"
    # The person's file, and the department's query of it, show it with the matter.
    own = client.get("/api/v1/me/file", headers=person).json()
    assert _explained(own, rec["id"])["text"] == TEXT
    dept = client.post("/api/v1/files/query", headers=DEPT, json={"id_number": number, "purpose": "核查"}).json()
    assert _explained(dept, rec["id"])["text"] == TEXT
    page = client.get("/me/file", headers=person).text
    assert TEXT in page and f"/me/matters/{rec['id']}/explanation" in page and "修改解释" in page
    # The credit report shows it with the matter, too.
    matter = next(m for c in own["categories"] for m in c["matters"] if m["id"] == rec["id"])
    assert ("本人解释", TEXT) in line(MatterOut.model_validate(matter)).fields
    # It changes nothing about the matter: still published.
    assert own_record(client, person, "SCJG-2026-001811")["publicity"]["status"] == "in_publicity"
    # Edited: the new text replaces the old one.
    edited = client.put(url, headers=person, json={"text": TEXT + "已整改完毕。"})
    assert edited.json()["text"].endswith("已整改完毕。")
    # Withdrawn: shown nowhere.
    assert client.delete(url, headers=person).status_code == 204
    assert _explained(client.get("/api/v1/me/file", headers=person).json(), rec["id"]) is None
    assert client.delete(url, headers=person).status_code == 204  # nothing left to take back


def test_the_explanation_is_the_persons_own_and_shown_beside_their_repair(client, session, settings, keys):
    _, person, rec = _matter(client, session, settings, keys, 1812)
    _, other, _ = _matter(client, session, settings, keys, 1813)
    refused = client.put(f"/api/v1/me/matters/{rec['id']}/explanation", headers=other, json={"text": TEXT})
    assert refused.status_code == 404 and error_code(refused) == "EXPLANATION_MATTER_NOT_FOUND"
    # The page form keeps what was typed when refused, and saves.
    form = f"/me/matters/{rec['id']}/explanation"
    bad = client.post(form, headers=with_csrf(person, client), data={"text": "短"}, follow_redirects=False)
    assert bad.status_code == 422 and "解释至少 5 个字" in bad.text and ">短</textarea>" in bad.text
    ok = client.post(form, headers=with_csrf(person, client), data={"text": TEXT}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == f"/me/file#m-{rec['id']}"
    made = client.post("/api/v1/me/repairs", headers=person, files=[("evidence", ("凭证.png", PNG, "image/png"))],
                       data={"target_kind": "matter", "target_id": rec["id"], "method": "fine_paid",
                             "statement": "罚款已经缴清", "commitment": "true"})
    assert made.status_code == 201, made.text
    assert _explained(client.get("/api/v1/me/file", headers=person).json(), rec["id"]) is not None
    for who in (DEPT, OPERATOR):  # the deciding department and the office see it beside the application
        assert TEXT in client.get(f"/console/repairs/{made.json()['id']}", headers=who).text
    withdrawn = client.post(f"{form}/withdraw", headers=with_csrf(person, client), follow_redirects=False)
    assert withdrawn.status_code == 303
    assert TEXT not in client.get(f"/console/repairs/{made.json()['id']}", headers=DEPT).text
