"""The credit office's review pages: a repair application shows the applicant (masked) and the very
checklist the applicant saw when applying, before and after the decision."""

from __future__ import annotations

import re

from web_data import person_headers

from helpers import OPERATOR, PNG, cid, days_ago, own_record, penalty, submit, with_csrf


def _post(client, path: str, headers: dict[str, str] | None, data: dict, files=None):
    return client.post(path, headers=with_csrf(headers, client), data=data, files=files, follow_redirects=False)


def _checklist(text: str) -> list[tuple[str, str]]:
    items = re.findall(r'<li class="(?:passed|failed)"><span class="tag \w+">(满足|不满足)</span> (?:<b>)?([^<]+)',
                       text)
    return [(label, verdict) for verdict, label in items]


def test_repair_review_shows_the_masked_applicant_and_the_checklist_they_saw(client, session, keys):
    submit(client, [penalty(461, name="欧阳修文", decision_date=days_ago(100))])
    person = person_headers(session, keys, 461)
    rid = own_record(client, person, "SCJG-2026-000461")["id"]
    seen = client.get(f"/me/repairs/eligibility?record={rid}", headers=person).text
    form = {"target_id": rid, "method": "fine_paid", "statement": "罚款已经缴清", "commitment": "yes"}
    made = _post(client, "/me/repairs", person, form, files=[("evidence", ("凭证.png", PNG, "image/png"))])
    assert made.status_code == 303, made.text
    repair = made.headers["location"].rsplit("/", 1)[1]

    page = client.get(f"/console/repairs/{repair}", headers=OPERATOR).text
    assert "申请人" in page and "欧阳**" in page and "欧阳修文" not in page
    number = cid(461)
    assert f"{number[:4]}{'*' * 10}{number[-4:]}" in page and number not in page and "居民身份证" in page
    assert _checklist(page) == _checklist(seen) and _checklist(page)  # the same conditions, the same verdicts
    assert all(verdict == "满足" for _, verdict in _checklist(page))  # this application is not "already pending"
    assert "申请时各项条件均已满足" in page and "已缴清罚款" in page  # the methods offered
    assert page.index("h-eligibility") < page.index("h-commitment")  # before the details, beside the decision

    assert _post(client, f"/console/repairs/{repair}/acceptance", OPERATOR, {"accepted": "yes"}).status_code == 303
    assert _post(client, f"/console/repairs/{repair}/decision", OPERATOR,
                 {"approved": "yes", "reason": "已缴清罚款"}).status_code == 303
    decided = client.get(f"/console/repairs/{repair}", headers=OPERATOR).text
    assert _checklist(decided) == _checklist(seen)  # still what was seen, not "already repaired"
    mine = client.get(f"/me/repairs/{repair}", headers=person).text
    assert "h-eligibility" not in mine and "h-applicant" not in mine  # the reviewer's view only
