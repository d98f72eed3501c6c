"""The citizen's pages (issue 15): the status banner first on the file, one card per matter with the
black and red lists never alike, the 提交 → 受理 → 决定 tracker, plain words, forms that keep what was
typed, and the header with the masked name."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

from web_data import person_headers

from chengxin.access.sealing import seal
from chengxin.cases.progress import of_objection, of_repair
from chengxin.clock import CHINA, today
from chengxin.creditfile import banner as banner_rules
from chengxin.creditfile.schemas import (
    ActionOut,
    ActionsOut,
    FieldValue,
    ListingOut,
    MatterOut,
    PublicityOut,
    RecordOut,
)
from chengxin.sanctions.measures import default_measures
from helpers import (
    COURT,
    HR,
    OPERATOR,
    PDF,
    as_dept,
    check,
    cid,
    court_case,
    days_ago,
    error_code,
    listing_notice,
    own_record,
    penalty,
    submit,
    with_csrf,
)

CIVILISATION = as_dept("civilization_office")
EVIDENCE = [("evidence", ("缴款凭证.pdf", PDF, "application/pdf"))]
NOT_A_PDF = [("evidence", ("说明.txt", "这不是图片".encode(), "text/plain"))]
# Words a citizen's page must not show (issue 15): technical terms, formats, standards.
FORBIDDEN = ("事务", "封存", "叶子哈希", "根哈希", "RFC", "6962", "Ed25519", "JSON", "SHA", "哈希", "密钥",
             "check-proof")
# Latin words allowed on a citizen's page: file types and sizes people know.
LATIN_OK = {"PDF", "PNG", "JPEG", "JPG", "MB", "KB"}


def _wage_case(n: int, decided: int = 400, **changes: object) -> dict:
    """A person put on the black list for unpaid migrant workers' wages (YZSX-02, repairable)."""
    return {"item_code": "YZSX-02", "id_number": cid(n), "name": "李四", "source_record_id": f"RS-2026-{n:06d}",
            "decision_date": days_ago(decided),
            "fields": {**listing_notice(days_ago(decided)), "person_role": "直接负责的主管人员",
                       "authority": "市人力资源和社会保障局",
                       "circumstance": "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准"}, **changes}


def _honour(n: int) -> dict:
    """A person on the red list as a model of honesty (BZJL-02)."""
    return {"item_code": "BZJL-02", "id_number": cid(n), "name": "李四", "source_record_id": f"WMB-2026-{n:06d}",
            "decision_date": days_ago(30), "fields": {"title": "诚信之星", "awarding_body": "市文明委"}}


def _post(client, path: str, headers, data: dict, files=None):
    return client.post(path, headers=with_csrf(headers, client), data=data, files=files, follow_redirects=False)


def _main(page: str) -> str:
    return page[page.index("<main"):page.index("</main>")]


def _banner(page: str) -> str:
    found = re.search(r'<section class="status-banner.*?</section>', page, re.S)
    assert found, "no status banner"
    return found.group(0)


def _text(fragment: str) -> str:
    """What a reader sees: tags and the values of data (class="data") taken out, entities decoded."""
    fragment = re.sub(r'<span class="data">.*?</span>', " ", fragment, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def assert_plain(page: str, where: str) -> None:
    """No technical words, codes or English in what the person reads on the page (or a part of it)."""
    text = _text(_main(page) if "<main" in page else page)
    for word in FORBIDDEN:
        assert word not in text, (where, word)
    latin = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9_-]*", text) if w.upper() not in LATIN_OK}
    assert not latin, (where, latin)


# --- 1. the status banner ------------------------------------------------------------------------

def test_the_banner_answers_on_the_list_why_what_it_stops_and_repair_now(client, session, keys):
    assert submit(client, [_wage_case(601)], headers=HR).status_code == 201
    submit(client, [penalty(602, id_number=cid(601), name="李四")])
    person = person_headers(session, keys, 601)
    page = client.get("/me/file", headers=person).text
    top = _banner(page)
    main = _main(page)
    # The very first thing on the page, before identity details, cards and the date picker.
    assert main.index("status-banner") < main.index('class="facts identity"') < main.index('class="record matter')
    assert main.index("status-banner") < main.index('name="as_of"')
    assert "status-black" in top and "您已被列入严重失信主体名单（黑名单）" in top and "⚠" in top
    assert "您在以下事项中会受到限制" in top and "（依法依规禁止或限制）" in top  # a prohibition among them
    # Why, in the catalog's and the record's own words, with who and when.
    assert "拖欠农民工工资失信联合惩戒对象：克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准" in top
    assert "市人力资源和社会保障局" in top and f"{days_ago(400)} 列入" in top
    # What it stops: each measure linked to its card on the measure list.
    codes = re.findall(r'href="/measures#measure-([A-Z0-9-]+)"', top)
    assert "P-NMG-01" in codes and "P-GWY-01" in codes and len(codes) == len(set(codes))
    measures_page = client.get("/measures").text
    assert all(f'id="measure-{c}"' in measures_page for c in codes)
    # The way out: the date is past, so one button, now.
    matter = own_record(client, person, "RS-2026-000601")
    assert "现在即可申请" in top and "最早可于" not in top
    assert top.count('class="button big"') == 1
    assert f'href="/me/repairs/eligibility?matter={matter["id"]}"' in top
    assert_plain(top, "banner")


def test_before_the_minimum_period_the_banner_gives_the_earliest_date_and_no_button(client, session, keys):
    submit(client, [_wage_case(603, decided=100)], headers=HR)
    person = person_headers(session, keys, 603)
    earliest = own_record(client, person, "RS-2026-000603")["actions"]["repair"]["earliest"]
    top = _banner(client.get("/me/file", headers=person).text)
    assert "status-black" in top and f"最早可于 <b>{earliest}</b> 申请" in top
    assert "现在即可申请" not in top and "button big" not in top


def test_a_court_listing_says_where_to_go_and_a_clean_file_says_not_listed(client, session, keys):
    submit(client, [court_case(604)], headers=COURT)
    top = _banner(client.get("/me/file", headers=person_headers(session, keys, 604)).text)
    assert "status-black" in top and "失信被执行人信息" in top and "请向作出决定的法院申请" in top
    assert "button big" not in top and 'href="/measures#measure-' in top

    submit(client, [_honour(605)], headers=CIVILISATION)
    page = client.get("/me/file", headers=person_headers(session, keys, 605)).text
    clean = _banner(page)
    assert "status-ok" in clean and "您不在黑名单上" in clean and "measure-" not in clean
    honour = re.search(r'<p class="honour-line">.*?</p>', page, re.S).group(0)  # apart, in the honour's style
    assert "您已列入守信激励对象名单（红名单）：诚信道德模范信息" in honour and "★" in honour

    submit(client, [penalty(606)])
    some = _banner(client.get("/me/file", headers=person_headers(session, keys, 606)).text)
    assert "status-warn" in some and "您不在黑名单上，但有 1 条失信信息仍然有效" in some
    assert "行政处罚信息" in some and "现在即可申请" in some
    # No measure reaches a general penalty any more (R13: P-PXPY-02 reaches serious records only).
    assert "您在以下事项中可能受到限制" not in some and 'href="/measures#measure-' not in some


def test_a_past_day_says_so_above_the_banner(client, session, keys):
    submit(client, [penalty(608)])
    past = (today() - timedelta(days=400)).isoformat()
    page = client.get(f"/me/file?as_of={past}", headers=person_headers(session, keys, 608)).text
    main = _main(page)
    assert f"您正在查看 {past} 当日的档案" in main and main.index("当日的档案") < main.index("status-banner")
    assert "status-ok" in _banner(page)  # the penalty came later


def test_a_person_the_platform_does_not_know_sees_a_clear_banner(client, session, keys):
    page = client.get("/me/file", headers=person_headers(session, keys, 607)).text
    assert "status-ok" in _banner(page) and "平台中暂无您的信用记录" in page


# --- 2. one card per matter: black and red never alike -----------------------------------------

def test_black_and_red_cards_never_share_a_style_or_the_blue_tag(client, session, keys):
    submit(client, [_wage_case(611, id_number=cid(611))], headers=HR)
    submit(client, [_honour(612) | {"id_number": cid(611)}], headers=CIVILISATION)
    person = person_headers(session, keys, 611)
    page = client.get("/me/file", headers=person).text
    cards = re.findall(r'<article class="record matter[^"]*" id="m-[^"]+">.*?</article>', page, re.S)
    assert len(cards) == 2  # one card per matter
    black = next(c for c in cards if "拖欠农民工工资" in c)
    red = next(c for c in cards if "诚信道德模范" in c)
    assert 'class="record matter matter-black"' in black and "strip-black" in black and "列入黑名单" in black
    assert "⚠" in black and "列入红名单" not in black
    assert 'class="record matter matter-red"' in red and "strip-red" in red and "列入红名单" in red
    assert "★" in red and "列入黑名单" not in red and "⚠" not in red
    for card in cards:
        assert "在列" not in card and "tag info" not in card and "tag list-" not in card


# --- 3. the progress tracker ---------------------------------------------------------------------

def _steps(fragment: str) -> list[tuple[str, str]]:
    return re.findall(r'<li class="step (\w+)".*?<span class="step-label">(\S+)</span>', fragment, re.S)


def test_every_objection_and_repair_has_a_tracker_and_marks_its_matter_while_open(client, session, keys):
    submit(client, [penalty(621, decision_date=days_ago(200)),
                    penalty(622, id_number=cid(621), decision_date=days_ago(150))])
    person = person_headers(session, keys, 621)
    first = own_record(client, person, "SCJG-2026-000621")["id"]
    second = own_record(client, person, "SCJG-2026-000622")["id"]
    objected = _post(client, "/me/objections", person, {"target_id": first, "reason": "罚款金额登记有误"})
    repaired = _post(client, "/me/repairs", person, {"target_id": second, "method": "fine_paid",
                                                     "statement": "罚款已经缴清", "commitment": "yes"}, EVIDENCE)
    assert objected.status_code == 303 and repaired.status_code == 303
    repair_id = repaired.headers["location"].rsplit("/", 1)[1]

    page = client.get("/me/file", headers=person).text
    card_1 = re.search(rf'id="m-{first}".*?</article>', page, re.S).group(0)
    card_2 = re.search(rf'id="m-{second}".*?</article>', page, re.S).group(0)
    assert "case-mark\">异议处理中" in card_1 and "修复申请处理中" not in card_1
    assert "case-mark\">修复申请处理中" in card_2
    assert _steps(card_1) == [("done", "提交"), ("done", "受理"), ("current", "决定")]
    assert _steps(card_2) == [("done", "提交"), ("current", "受理"), ("todo", "决定")]
    assert today().isoformat() in card_2 and "前" in card_2  # the date done, and the date due
    assert 'id="h-open-cases"' in page and page.count('class="tracker open"') == 4  # on top and on the card
    top = _banner(page)
    assert 'case-mark">异议处理中' in top and 'case-mark">修复申请处理中' in top  # the banner says so too

    assert _post(client, f"/console/repairs/{repair_id}/acceptance", OPERATOR, {"accepted": "yes"}).status_code == 303
    assert _post(client, f"/console/repairs/{repair_id}/decision", OPERATOR,
                 {"approved": "no", "reason": "证明材料不能证明罚款已缴清"}).status_code == 303
    mine = client.get("/me/repairs", headers=person).text
    assert _steps(mine) == [("done", "提交"), ("done", "受理"), ("refused", "决定")]
    assert "不予修复：证明材料不能证明罚款已缴清" in mine
    detail = client.get(f"/me/repairs/{repair_id}", headers=person).text
    assert _steps(detail) == [("done", "提交"), ("done", "受理"), ("refused", "决定")]
    card_2 = re.search(rf'id="m-{second}".*?</article>', client.get("/me/file", headers=person).text, re.S).group(0)
    assert "修复申请处理中" not in card_2 and "不予修复" in card_2  # closed: no mark, the decision on its tracker
    objections = client.get("/me/objections", headers=person).text
    assert _steps(objections) == [("done", "提交"), ("done", "受理"), ("current", "决定")]


def test_trackers_from_the_cases_own_dates():
    filed = datetime(2026, 11, 2, 9, 0, tzinfo=CHINA)

    class Case:
        id, matter_id, filed_at, decision_reason = "C1", "M1", filed, None
        deadline = accept_deadline = date(2026, 11, 16)
        accepted_at = decided_at = decide_deadline = None

    r = Case()
    r.status = "submitted"
    p = of_repair(r)
    assert [s.state for s in p.steps] == ["done", "current", "todo"] and p.open and p.steps[1].due == date(2026, 11, 16)
    r.status, r.accepted_at, r.decided_at, r.decision_reason = "rejected", filed, filed, "材料不全"
    p = of_repair(r)
    assert [s.state for s in p.steps] == ["done", "refused", "todo"] and not p.open
    assert p.steps[1].note == "不予受理：材料不全"
    r.status, r.decide_deadline = "approved", date(2026, 11, 30)
    assert [s.state for s in of_repair(r).steps] == ["done", "done", "done"]
    o = Case()
    o.status = "open"
    assert [s.state for s in of_objection(o).steps] == ["done", "done", "current"]
    o.status, o.decided_at, o.decision_reason = "upheld", filed + timedelta(days=3), "经核查无误"
    assert of_objection(o).steps[2].note == "维持原记录：经核查无误" and not of_objection(o).open


# --- the banner's measures, as a check would apply them ------------------------------------------

def _matter(**changes: object) -> MatterOut:
    base: dict = dict(id="M1", origin="record", item_code="YZSX-02", item_name="拖欠农民工工资失信联合惩戒对象",
                      category="YZSX", nature="negative", nature_label="失信", severity="serious",
                      severity_label="严重", start_date=date(2025, 10, 1), department_code="human_resources",
                      department_name="市人力资源和社会保障局", legal_basis="依据", disclosure="public",
                      state="in_effect", state_label="有效",
                      listing=ListingOut(list_type="black", list_label="严重失信主体名单", start_date=date(2025, 10, 1),
                                         planned_end=date(2028, 10, 1), listed=True, status_label="在列"),
                      publicity=PublicityOut(status="in_publicity", label="公示中"),
                      record=RecordOut(id="R1", source_record_id="S1", version=1,
                                       recorded_at=datetime(2025, 10, 1, tzinfo=CHINA), severity_reason=None,
                                       fields=[FieldValue(name="circumstance", label="列入情形", value="拖欠工资")]),
                      actions=ActionsOut(objection=ActionOut(allowed=True), repair=ActionOut(allowed=True)))
    return MatterOut(**{**base, **changes})


def test_the_banner_lists_the_measures_a_check_would_apply_and_the_soonest_repair(catalog):
    measures = default_measures().measures.values()
    domains = {code: item.domains for code, item in catalog.items.items()}
    b = banner_rules.banner([_matter()], measures, domains)
    assert b.black_listed and b.reasons[0].why == "拖欠农民工工资失信联合惩戒对象：拖欠工资"
    codes = [m.code for m in b.measures]
    assert "P-NMG-01" in codes and b.repair == banner_rules.RepairWay("M1", True, None, False, None)
    ended = _matter(state="repaired", listing=_matter().listing.model_copy(update={"listed": False}))
    assert banner_rules.banner([ended], measures, domains).clear  # nothing in force: nothing applies
    later = _matter(actions=ActionsOut(objection=ActionOut(allowed=True), repair=ActionOut(
        allowed=False, reason="最短公示期未满", earliest=date(2026, 12, 1))))
    sooner = _matter(id="M2", actions=ActionsOut(objection=ActionOut(allowed=True), repair=ActionOut(
        allowed=False, reason="最短公示期未满", earliest=date(2026, 11, 30))))
    way = banner_rules.banner([later, sooner], measures, domains).repair
    assert way is not None and way.matter_id == "M2" and way.earliest == date(2026, 11, 30) and not way.now
    court = _matter(id="M3", actions=ActionsOut(objection=ActionOut(allowed=True), repair=ActionOut(
        allowed=False, reason="请向作出决定的法院申请")))
    penalty_now = _matter(id="M4", item_code="XZCF-01", severity="general", listing=None)
    both = banner_rules.banner([court, penalty_now], measures, domains)
    assert both.black_listed and [r.matter_id for r in both.reasons] == ["M3"]
    assert both.repair == banner_rules.RepairWay("M3", False, None, False, "请向作出决定的法院申请")


# --- 4. plain words; proof material as documents -----------------------------------------------

def test_accesses_and_repair_pages_speak_plainly_and_offer_proofs_as_downloads(client, session, keys, signer):
    submit(client, [penalty(631, decision_date=days_ago(200)), penalty(632, id_number=cid(631))])
    assert check(client, cid(631), "civil_service_recruitment").status_code == 200
    person = person_headers(session, keys, 631)
    rid = own_record(client, person, "SCJG-2026-000631")["id"]
    other = own_record(client, person, "SCJG-2026-000632")["id"]
    made = _post(client, "/me/repairs", person, {"target_id": rid, "method": "fine_paid", "statement": "罚款已经缴清",
                                                "commitment": "yes"}, EVIDENCE)
    repair = made.headers["location"]
    objection = _post(client, "/me/objections", person, {"target_id": other, "reason": "违法事实与实际不符"},
                      EVIDENCE).headers["location"]
    pending = client.get("/me/accesses", headers=person).text
    assert "存证中" in pending
    seal(session, signer)
    accesses = client.get("/me/accesses", headers=person).text
    seq = re.search(r'href="/me/accesses/(\d+)/proof"', accesses).group(1)
    proof = client.get(f"/me/accesses/{seq}/proof", headers=person).text
    assert "平台验证通过" in proof
    pages = {"accesses": accesses, "proof": proof, "repairs": client.get("/me/repairs", headers=person).text,
             "repair": client.get(repair, headers=person).text,
             "eligibility": client.get(f"/me/repairs/eligibility?matter={other}", headers=person).text,
             "not eligible": client.get(f"/me/repairs/eligibility?matter={rid}", headers=person).text,
             "objections": client.get("/me/objections", headers=person).text,
             "objection": client.get(objection, headers=person).text}
    for name, page in pages.items():
        assert_plain(page, name)
    # Proof material is one click away, as documents to keep, never the page itself.
    for link in (f"/me/accesses/{seq}/proof.json", f"/me/accesses/{seq}/signed-head.json"):
        assert f'href="{link}" download' in proof
        got = client.get(link, headers=person)
        assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment")
    assert client.get(f"/me/accesses/{seq}/signed-head.json", headers=person).json()["tree_head"]["signature"]
    assert f'href="/me/accesses/{seq}/proof.json" download' in accesses
    assert f'href="{repair}/commitment.json" download' in pages["repair"]
    # Another person cannot fetch them.
    stranger = person_headers(session, keys, 633)
    assert client.get(f"/me/accesses/{seq}/signed-head.json", headers=stranger).status_code == 404


# --- 5. the eligibility checklist ------------------------------------------------------------------

def test_the_checklist_says_each_condition_once_and_a_past_date_reads_now(client, session, keys):
    submit(client, [penalty(641, decision_date=days_ago(200)), penalty(642, id_number=cid(641),
                                                                        decision_date=days_ago(10))])
    person = person_headers(session, keys, 641)
    ready = own_record(client, person, "SCJG-2026-000641")["id"]
    page = client.get(f"/me/repairs/eligibility?matter={ready}", headers=person).text
    items = [_text(li).split() for li in re.findall(r'<ul class="checklist">(.*?)</ul>', page, re.S)[0].split("</li>")
             if "<li" in li]
    lines = [" ".join(words[1:]) for words in items]
    assert lines[:2] == ["属于失信信息，可以申请信用修复", "信息仍然有效"] and len(lines) == 7
    assert all("：" not in line for line in lines)  # no "label：detail" repeating itself
    assert "最短公示期（3 个月）已满，现在即可申请" in lines and "信息仍然有效：信息有效" not in page
    assert "<b>现在即可申请</b>" in page and "最早可申请日期" not in page
    early = own_record(client, person, "SCJG-2026-000642")
    page = client.get(f"/me/repairs/eligibility?matter={early['id']}", headers=person).text
    assert f"最早可申请日期：<b>{early['actions']['repair']['earliest']}</b>" in page and "现在即可申请" not in page


# --- 6. refused forms come back with everything typed ---------------------------------------------

def test_a_wrong_attachment_brings_the_objection_form_back_with_the_reason_kept(client, session, keys):
    submit(client, [penalty(651)])
    person = person_headers(session, keys, 651)
    rid = own_record(client, person, "SCJG-2026-000651")["id"]
    refused = _post(client, "/me/objections", person, {"target_id": rid, "reason": "罚款金额登记有误，应为一万元"},
                    NOT_A_PDF)
    page = refused.text
    assert refused.status_code == 200 and error_code(refused) == "EVIDENCE_TYPE"
    assert 'class="error-summary"' in page and 'href="#f-evidence"' in page
    assert 'id="e-evidence"' in page and "不是 PDF、PNG 或 JPEG 文件，请重新选择文件" in page
    assert 'maxlength="2000">罚款金额登记有误，应为一万元</textarea>' in page
    assert f'name="target_id" value="{rid}"' in page
    assert "415" not in _text(_main(page)) and "EVIDENCE_TYPE" not in _text(page)
    short = _post(client, "/me/objections", person, {"target_id": rid, "reason": "错"})
    assert short.status_code == 200 and 'id="e-reason"' in short.text and ">错</textarea>" in short.text
    assert "您还没有提出过异议" in client.get("/me/objections", headers=person).text  # nothing was filed


def test_a_refused_repair_application_keeps_method_statement_and_commitment(client, session, keys):
    submit(client, [penalty(652, decision_date=days_ago(200))])
    person = person_headers(session, keys, 652)
    rid = own_record(client, person, "SCJG-2026-000652")["id"]
    typed = {"target_id": rid, "method": "obligations_fulfilled", "statement": "已按决定履行全部义务"}
    unsigned = _post(client, "/me/repairs", person, typed, EVIDENCE)
    assert unsigned.status_code == 200 and error_code(unsigned) == "REPAIR_COMMITMENT_REQUIRED"
    assert 'href="#f-commitment"' in unsigned.text and 'id="e-commitment"' in unsigned.text
    assert ">已按决定履行全部义务</textarea>" in unsigned.text
    assert re.search(r'value="obligations_fulfilled" required checked', unsigned.text)
    wrong = _post(client, "/me/repairs", person, {**typed, "commitment": "yes"}, NOT_A_PDF)
    assert wrong.status_code == 200 and 'id="e-evidence"' in wrong.text
    assert re.search(r'id="f-commitment" type="checkbox" name="commitment" value="yes" required[^>]*checked',
                     wrong.text)
    assert "415" not in _text(_main(wrong.text))
    assert client.get("/me/repairs", headers=person).text.count("case-card") == 0  # nothing was filed


# --- 8. the header -------------------------------------------------------------------------------

def test_every_page_of_the_person_names_them_masked_and_never_as_the_data_subject(client, session, keys):
    submit(client, [penalty(661, name="欧阳修文")])
    person = person_headers(session, keys, 661)
    for path in ("/me/file", "/me/accesses", "/me/repairs", "/me/objections", "/me/notices", "/me/authorisations",
                 "/me/contact"):
        page = client.get(path, headers=person).text
        head = page.split("<main")[0]
        assert "您好，欧阳**" in head and "信息主体本人" not in page and "欧阳修文" not in head, path
        assert 'href="/me/notices"' in head, path


# --- the journey, in Chromium on a phone and at desk width ---------------------------------------

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESK = {"viewport": {"width": 1280, "height": 800}}


def _sign_in_as(tab, live, id_number: str, name: str) -> None:
    """The person's two-step sign-in (identity, then the one-time code); a first try with a wrong
    check digit comes back with what was typed (7)."""
    from playwright.sync_api import expect

    page = tab.page
    page.goto("/me/file")  # signed out: to the login and back
    expect(page).to_have_url(re.compile(r"/person/login\?next=/me/file$"))
    wrong = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
    page.get_by_label("证件号码").fill(wrong)
    page.get_by_label("姓名").fill(name)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_label("证件号码")).to_have_value(wrong)
    expect(page.get_by_label("姓名")).to_have_value(name)
    page.get_by_label("证件号码").fill(id_number)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("heading", name="输入验证码")).to_be_visible()
    challenge = page.locator("input[name=challenge_id]").input_value()
    page.get_by_label("验证码（6 位数字）").fill(live.code_for(challenge))
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live.url}/me/file")


def test_on_a_phone_the_answer_shows_at_once_and_a_repair_starts_in_two_taps(browser, live, tmp_path):
    from browser_tab import Tab
    from playwright.sync_api import expect

    for size, options in (("phone", PHONE), ("desk", DESK)):
        tab = Tab(browser, live, **options)
        try:
            page = tab.page
            _sign_in_as(tab, live, live.citizen_id, live.citizen_name)
            tab.steps = 0  # pages.md counts from the file, as the person lands on it after signing in
            top = page.locator(".status-banner")
            expect(top).to_be_in_viewport()
            expect(top).to_contain_text("您不在黑名单上，但有 2 条失信信息仍然有效")
            expect(top).to_contain_text("现在即可申请")
            button = top.get_by_role("link", name="申请信用修复")
            expect(button).to_be_in_viewport()  # no scrolling to reach it
            expect(page.locator("header .who-short" if size == "phone" else "header .who")).to_contain_text("张*")
            tab.shot(f"citizen-{size}-file")
            if size == "desk":
                break
            tab.tap(button)
            expect(page.get_by_role("heading", level=1)).to_contain_text("信用修复")
            page.get_by_label("情况说明").fill("罚款已于 2026 年 6 月全部缴清")
            receipt = tmp_path / "缴款凭证.pdf"
            receipt.write_bytes(PDF)
            page.get_by_label("证明材料（PDF、PNG 或 JPEG）").set_input_files(receipt)
            page.get_by_label("本人已阅读并签署以上信用承诺书").check()
            tab.shot("citizen-phone-repair-form", full_page=False)
            tab.tap(page.get_by_role("button", name="提交修复申请"))
            expect(page.get_by_role("heading", level=1)).to_contain_text("已提交，待受理")
            assert tab.steps <= 2, tab.steps  # pages.md: a repair application started in ≤ 2 taps
            steps = page.locator("ol.steps li")
            expect(steps).to_have_count(3)
            expect(steps.nth(0)).to_have_class(re.compile(r"\bdone\b"))
            expect(steps.nth(1)).to_have_class(re.compile(r"\bcurrent\b"))
            tab.shot("citizen-phone-repair-tracker")
            tab.go("/me/file")
            expect(page.locator("article.record").filter(has_text="修复申请处理中")).to_have_count(1)
            expect(page.locator("#h-open-cases")).to_be_visible()
            tab.shot("citizen-phone-file-after")
            page.locator(".menu-toggle").click()
            expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的通知")).to_be_visible()
            tab.shot("citizen-phone-menu", full_page=False)
            tab.assert_clean()
        finally:
            tab.context.close()
        tab.assert_clean()


def test_a_black_listed_person_sees_it_first_dark_with_the_measures_linked(browser, live):
    from browser_tab import Tab
    from live_server import DEBTOR
    from playwright.sync_api import expect

    for size, options in (("phone", PHONE), ("desk", DESK)):
        tab = Tab(browser, live, **options)
        try:
            page = tab.page
            _sign_in_as(tab, live, cid(DEBTOR), "赵六")
            top = page.locator(".status-banner.status-black")
            expect(top).to_be_in_viewport()
            expect(top).to_contain_text("您已被列入严重失信主体名单（黑名单）")
            expect(top).to_contain_text("有履行能力而拒不履行生效法律文书确定义务")
            card = page.locator("article.matter-black")
            expect(card).to_have_count(1)
            expect(card.locator(".strip-black")).to_contain_text("列入黑名单")
            tab.shot(f"citizen-{size}-black-list")
            tab.tap(top.locator("ul.measure-links a").first)
            expect(page).to_have_url(re.compile(r"/measures#measure-"))
            target = page.locator(".measure:target")
            expect(target).to_be_in_viewport()
            tab.shot(f"citizen-{size}-measure", full_page=False)
        finally:
            tab.context.close()
        tab.assert_clean()


def test_on_a_phone_a_wrong_attachment_keeps_the_objection_and_the_log_reads_plainly(browser, live, tmp_path):
    from browser_tab import Tab
    from playwright.sync_api import expect

    tab = Tab(browser, live, **PHONE)
    try:
        page = tab.page
        _sign_in_as(tab, live, live.citizen_id, live.citizen_name)
        card = page.locator("article.record").filter(has_text="虚假宣传")
        tab.tap(card.get_by_role("link", name="提出异议"))
        page.get_by_label("异议理由").fill("本人从未作过该宣传，请核查")
        note = tmp_path / "说明.txt"
        note.write_text("不是证明材料")
        page.get_by_label("证明材料（PDF、PNG 或 JPEG）").set_input_files(note)
        tab.tap(page.get_by_role("button", name="提交异议"))
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()  # read first
        expect(page.locator("#e-evidence")).to_contain_text("请重新选择文件")
        expect(page.get_by_label("异议理由")).to_have_value("本人从未作过该宣传，请核查")
        assert "415" not in page.locator("main").inner_text() and "EVIDENCE" not in page.locator("main").inner_text()
        tab.shot("citizen-phone-objection-refused", full_page=False)
        pdf = tmp_path / "说明.pdf"
        pdf.write_bytes(PDF)
        page.get_by_label("证明材料（PDF、PNG 或 JPEG）").set_input_files(pdf)
        tab.tap(page.get_by_role("button", name="提交异议"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("异议处理中")
        for path in ("/me/objections", "/me/repairs", "/me/accesses"):
            tab.go(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)  # nothing forces sideways scrolling on a phone
            tab.shot(f"citizen-phone{path.replace('/', '-')}")
        page.get_by_role("link", name="查看证明").first.click()
        expect(page.get_by_text("平台验证通过")).to_be_visible()
        with page.expect_download() as download:
            page.get_by_role("link", name="下载日志签名凭证").click()
        assert download.value.suggested_filename.startswith("signed-head-")
        tab.shot("citizen-phone-proof")
    finally:
        tab.context.close()
    tab.assert_clean()
