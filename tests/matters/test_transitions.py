"""Every transition of a matter, seen on every surface at once.

Each path makes one matter (a penalty, a listed serious record, a court listing as a record or as
a direct entry) and walks it through objection, correction, revocation, repair (also applied for
on the list entry), court deletion and the end of its term. After each step one observation reads
every surface: the file (one card per matter), a check, the public API and the public pages, the
watch feed, and the notices owed to the person, whose text must say what changed and only that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.jobs import run_once
from chengxin.notices.models import Notice
from chengxin.publicity.rules import add_months
from helpers import (
    COURT,
    DEPT,
    HR,
    OPERATOR,
    PDF,
    PNG,
    as_dept,
    as_person,
    check,
    cid,
    court_case,
    days_ago,
    listing_notice,
    matters_of,
    penalty,
    submit,
)

WATCHER = as_dept("public_security")
UPSTREAM = "https://upstream.invalid/notices"  # a department that follows the persons of these tests


@dataclass
class Seen:
    """What every surface says about the matter after a step."""

    state: str  # the file's card: in_effect, revoked, repaired, court_deleted, term_ended
    disputed: bool = False
    listed: bool | None = None  # None: the matter is not a listing
    cards: int = 1  # cards in the file for this matter (never two)
    decision: str = "clear"  # the check in the path's scenario
    measures: frozenset[str] = frozenset()  # the measures that hit
    public_record: str | None = None  # "shown", "异议处理中", or None when not disclosed
    public_list: str | None = None  # the same for the public red/black lists
    watch: tuple[tuple[str, str | None], ...] = ()  # the watch feed so far: (kind, reason)
    upstream: tuple[str, ...] = ()  # what the upper-level platform has been told of the matter so far
    notice_has: tuple[str, ...] = ()  # words the newest notice of the step says
    notice_lacks: tuple[str, ...] = ()  # words it must not say (what did not happen)
    notice_kind: str | None = None


@dataclass
class Path:
    name: str
    number: str
    person: str  # the full name (the public search matches it exactly)
    scenario: str
    matter_id: str = ""
    record_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def observe(client, session, keys, path: Path) -> Seen:
    file = client.post("/api/v1/files/query", headers=OPERATOR, json={"id_number": path.number}).json()
    cards = [m for m in matters_of(file) if m["id"] == path.matter_id]
    card = cards[0]
    body = check(client, path.number, path.scenario).json()
    measures = frozenset(h["measure_code"] for h in body["hits"] if h["source"] and h["source"].get("matter")
                         == path.matter_id)
    public = client.get("/api/v1/public/records", params={"name": path.person}).json()["records"]
    shown = [r for r in public if r["id"] == path.matter_id]
    page = client.get("/public/records", params={"q": path.person}).text
    detail = client.get(f"/public/records/{path.matter_id}")
    lists = client.get("/api/v1/public/lists", params={"name": path.person}).json()["entries"]
    listed = [e for e in lists if e["id"] == path.matter_id]
    list_page = client.get("/public/lists", params={"q": path.person}).text
    # The public pages say the same as the public API.
    assert (f'href="/public/records/{path.matter_id}"' in page) == bool(shown)
    assert detail.status_code == (200 if shown else 404)
    assert (path.matter_id in list_page or bool(listed)) == bool(listed)
    for entry in listed:  # the API names the item as the page does
        assert entry["item_name"] and entry["item_name"] in list_page
    if shown and shown[0]["status_label"]:
        assert shown[0]["status_label"] in detail.text
    events = client.get("/api/v1/watch/events", headers=WATCHER).json()["events"]
    # The person's own page: one card for the matter, with one set of actions.
    own = client.get("/me/file", headers=path.extra["person"]).text
    assert own.count(f'id="m-{path.matter_id}"') == len(cards)
    # The card holds at most one of each action; the status banner above the cards may repeat the
    # repair button for the matter that decides the person's status (pages.md: one tap to apply).
    card_html = own.split(f'id="m-{path.matter_id}"', 1)[1].split("</article>", 1)[0] if cards else ""
    assert card_html.count(f"/me/objections/new?matter={path.matter_id}") <= 1
    assert card_html.count(f"/me/repairs/eligibility?matter={path.matter_id}") <= 1
    assert own.count(f"/me/repairs/eligibility?matter={path.matter_id}") <= 2
    # An objection can be raised on anything still in the file, once at a time; not on what was withdrawn.
    assert (f"/me/objections/new?matter={path.matter_id}" in own) == (
        card["state"] not in ("revoked", "court_deleted") and not card["disputed"])
    return Seen(
        state=card["state"], disputed=card["disputed"],
        listed=None if card["listing"] is None else card["listing"]["listed"], cards=len(cards),
        decision=body["decision"], measures=measures,
        public_record=(shown[0]["status_label"] or "shown") if shown else None,
        public_list=(listed[0]["status_label"] or "shown") if listed else None,
        watch=tuple((e["kind"], e["reason"]) for e in events if e["entry_id"] == path.matter_id),
        upstream=tuple(n.kind for n in session.scalars(select(Notice).where(Notice.channel == "upstream")
                                                       .order_by(Notice.created_at, Notice.id))
                       if (n.payload or {}).get("matter") == path.matter_id),
    )


def newest_notice(session, keys, path: Path, kind: str) -> Notice | None:
    key = keys.subject_key("citizen_id", path.number)
    rows = session.scalars(select(Notice).where(Notice.subject_key == key, Notice.kind == kind,
                                                Notice.channel == "inapp")).all()
    return rows[-1] if rows else None


# --- the steps ------------------------------------------------------------------------------------


# P-PXPY-02 (评先评优) reaches serious records only (国发〔2016〕33号, R13): the penalty path is a serious one.
SERIOUS = {"severity": "serious", "severity_reason": "情节严重"}


def make_penalty(client, session, keys, path):
    assert submit(client, [penalty(801, id_number=path.number, name=path.person, decision_date=days_ago(100),
                                   **SERIOUS)]).json()["created"] == 1
    _find(client, path, "SCJG-2026-000801")


def make_listed(client, session, keys, path):
    row = {"item_code": "YZSX-02", "id_number": path.number, "name": path.person, "source_record_id": "RS-802",
           "decision_date": days_ago(400), "fields": {**listing_notice(days_ago(400)),
               "person_role": "法定代表人或者主要负责人",
               "circumstance": "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准",
               "authority": "市人力资源和社会保障局"}}
    assert submit(client, [row], headers=HR).json()["created"] == 1
    _find(client, path, "RS-802")


def make_court_record(client, session, keys, path, decided: int = 700):
    row = court_case(803, decided=days_ago(decided), id_number=path.number, name=path.person)
    assert submit(client, [row], headers=COURT).json()["created"] == 1
    _find(client, path, "ZX-2026-000803")
    path.extra["decided"] = date.fromisoformat(days_ago(decided))


def make_court_direct(client, session, keys, path):
    made = client.post("/api/v1/lists/entries", headers=COURT, json={
        "list_type": "black", "id_number": path.number, "name": path.person, "severity": "serious",
        "basis": "《民事诉讼法》第二百六十六条", "reference": "（2026）京0105执804号", "start_date": days_ago(10)})
    assert made.status_code == 201, made.text
    entry = made.json()
    # The court's own list (R5): its item, its two years.
    assert entry["item_code"] == "SFCP-01"
    assert entry["planned_end"] == add_months(date.fromisoformat(days_ago(10)), 24).isoformat()
    path.matter_id = entry["id"]


def _find(client, path: Path, source_record_id: str) -> None:
    file = client.post("/api/v1/files/query", headers=OPERATOR, json={"id_number": path.number}).json()
    (card,) = [m for m in matters_of(file) if m["record"] and m["record"]["source_record_id"] == source_record_id]
    path.matter_id, path.record_id = card["id"], card["record"]["id"]


def _person(session, settings, keys, path):
    return as_person(session, settings, keys, path.number)


def object_to(client, session, keys, path, *, settings, kind="matter", target=None):
    made = client.post("/api/v1/me/objections", headers=_person(session, settings, keys, path),
                       files=[("evidence", ("说明.pdf", PDF, "application/pdf"))],
                       data={"target_kind": kind, "reason": "该信息与事实不符",
                             "target_id": target or (path.record_id if kind == "record" else path.matter_id)})
    assert made.status_code == 201, made.text
    path.extra["objection"] = made.json()["id"]


def decide_objection(client, path, outcome: str, headers, record: dict | None = None):
    res = client.post(f"/api/v1/objections/{path.extra['objection']}/decision", headers=headers,
                      json={"outcome": outcome, "reason": "经核查", **({"record": record} if record else {})})
    assert res.status_code == 200, res.text


def correct(client, session, keys, path, **_):
    row = penalty(801, id_number=path.number, name=path.person, decision_date=days_ago(100), **SERIOUS,
                  fields={"facts": "经查，当事人未取得许可从事经营活动（更正）。"})
    assert submit(client, [row]).json()["new_versions"] == 1


def revoke(client, session, keys, path, **_):
    res = client.post("/api/v1/records/revocations", headers=DEPT,
                      json={"source_record_id": "SCJG-2026-000801", "reason": "复议机关撤销原处罚决定"})
    assert res.status_code == 200, res.text


def repair(client, session, keys, path, *, settings, kind="matter", target=None, method="fine_paid"):
    person = _person(session, settings, keys, path)
    made = client.post("/api/v1/me/repairs", headers=person, files=[("evidence", ("凭证.png", PNG, "image/png"))],
                       data={"target_kind": kind, "target_id": target or path.matter_id, "method": method,
                             "statement": "已履行全部义务", "commitment": "true"})
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    accepted = client.post(f"/api/v1/repairs/{rid}/acceptance", headers=OPERATOR, json={"accepted": True})
    assert accepted.status_code == 200, accepted.text
    res = client.post(f"/api/v1/repairs/{rid}/decision", headers=OPERATOR, json={"approved": True, "reason": "准予"})
    assert res.status_code == 200, res.text


def court_delete(client, session, keys, path, **_):
    res = client.post(f"/api/v1/lists/entries/{path.matter_id}/exit", headers=COURT,
                      json={"reason": "court_deleted", "note": "被执行人已履行全部义务"})
    assert res.status_code == 200, res.text
    assert res.json()["exit_reason"] == "court_deleted"


def expire(client, session, keys, path, *, clock, factory, **_):
    last = add_months(path.extra["decided"], 24)
    session.commit()
    clock.set(last + timedelta(days=1))
    run_once(factory, keys, as_of=last + timedelta(days=1))


# --- the paths ------------------------------------------------------------------------------------

GWY = frozenset({"P-GWY-01"})
HONOURS = frozenset({"P-PXPY-02"})
CONSUMPTION = frozenset({"P-GXF-01", "P-GXF-02", "P-GXF-03", "P-GXF-04", "P-GXF-05", "P-GXF-06", "P-GXF-07",
                         "P-GXF-08"})


def paths() -> list[tuple[str, str, list[tuple[Any, dict[str, Any], Seen]]]]:
    """(name, scenario, steps): each step is (action, its arguments, what every surface then says)."""
    return [
        ("penalty: objected, upheld, corrected, revoked", "honours", [
            (make_penalty, {}, Seen("in_effect", decision="review", measures=HONOURS, public_record="shown")),
            (object_to, {}, Seen("in_effect", disputed=True, decision="review", measures=HONOURS,
                                 public_record="异议处理中")),
            (lambda c, s, k, p, **kw: decide_objection(c, p, "upheld", DEPT), {},
             Seen("in_effect", decision="review", measures=HONOURS, public_record="shown")),
            (correct, {}, Seen("in_effect", decision="review", measures=HONOURS, public_record="shown")),
            (revoke, {}, Seen("revoked", upstream=("matter_revoked",), notice_kind="matter_revoked",
                              notice_has=("撤销", "停止公示", "不再作为联合惩戒依据"), notice_lacks=("移出", "名单"))),
        ]),
        ("listed record: repaired on its list entry", "civil_service_recruitment", [
            (make_listed, {}, Seen("in_effect", listed=True, decision="block", measures=GWY, public_record="shown",
                                   public_list="shown", watch=(("listed", None),))),
            (repair, {"kind": "list_entry", "method": "obligations_fulfilled"},
             Seen("repaired", listed=False, watch=(("listed", None), ("delisted", "repaired")),
                  upstream=("repair_approved",), notice_kind="repair_approved",
                  notice_has=("停止公示", "移出严重失信主体名单", "不再作为联合惩戒依据"))),
        ]),
        ("listed record: objected to, revoked by the department", "civil_service_recruitment", [
            (make_listed, {}, Seen("in_effect", listed=True, decision="block", measures=GWY, public_record="shown",
                                   public_list="shown", watch=(("listed", None),))),
            (object_to, {"kind": "record"}, Seen("in_effect", disputed=True, listed=True, decision="review",
                                                 measures=GWY, public_record="异议处理中", public_list="异议处理中",
                                                 watch=(("listed", None),))),
            (lambda c, s, k, p, **kw: decide_objection(c, p, "revoked", HR), {},
             Seen("revoked", listed=False, watch=(("listed", None), ("delisted", "revoked")),
                  upstream=("matter_revoked",), notice_kind="matter_revoked",
                  notice_has=("异议成立", "停止公示", "移出严重失信主体名单"))),
        ]),
        ("court listing as a record: its two years end", "high_consumption", [
            (make_court_record, {}, Seen("in_effect", listed=True, decision="block", measures=CONSUMPTION,
                                         public_record="shown", public_list="shown", watch=(("listed", None),))),
            (expire, {}, Seen("term_ended", listed=False, watch=(("listed", None), ("delisted", "term_ended")),
                              upstream=("publicity_ended",), notice_kind="publicity_ended",
                              notice_has=("公示期已于", "已移出严重失信主体名单"))),
        ]),
        ("court listing as a record: deleted by the court", "high_consumption", [
            (lambda c, s, k, p, **kw: make_court_record(c, s, k, p, decided=30), {},
             Seen("in_effect", listed=True, decision="block", measures=CONSUMPTION, public_record="shown",
                  public_list="shown", watch=(("listed", None),))),
            (court_delete, {}, Seen("court_deleted", listed=False,
                                    watch=(("listed", None), ("delisted", "court_deleted")),
                                    upstream=("matter_court_deleted",), notice_kind="matter_court_deleted",
                                    notice_has=("依法删除", "停止公示", "移出严重失信主体名单"))),
        ]),
        ("court listing entered directly: disputed, then deleted", "high_consumption", [
            (make_court_direct, {}, Seen("in_effect", listed=True, decision="block", measures=CONSUMPTION,
                                         public_record="shown", public_list="shown", watch=(("listed", None),))),
            (object_to, {"kind": "list_entry"}, Seen("in_effect", disputed=True, listed=True, decision="block",
                                                     measures=CONSUMPTION, public_record="异议处理中",
                                                     public_list="异议处理中", watch=(("listed", None),))),
            (court_delete, {}, Seen("court_deleted", disputed=True, listed=False,
                                    watch=(("listed", None), ("delisted", "court_deleted")),
                                    upstream=("matter_court_deleted",), notice_kind="matter_court_deleted",
                                    notice_has=("移出严重失信主体名单",))),
        ]),
    ]


@pytest.mark.parametrize(("name", "scenario", "steps"), paths(), ids=[p[0] for p in paths()])
def test_every_transition_reaches_every_surface(name, scenario, steps, client, session, keys, settings, factory,
                                                clock, monkeypatch):
    # An upper-level platform is configured, so that what it is told is a surface too (the app's
    # settings, and the process settings that jobs fall back on).
    settings.upstream_url = UPSTREAM
    for module in ("chengxin.notices.service", "chengxin.jobs"):
        monkeypatch.setattr(f"{module}.get_settings", lambda: settings)
    n = 810 + [p[0] for p in paths()].index(name)
    path = Path(name, cid(n), "孙" + "一二三四五六七八"[n - 810] + "明", scenario)
    client.post("/api/v1/watch/subscriptions", headers=WATCHER, json={"persons": [{"id_number": path.number}]})
    path.extra["person"] = as_person(session, settings, keys, path.number)
    for n_step, (action, args, want) in enumerate(steps, start=1):
        action(client, session, keys, path, **_kwargs(action, args, settings, clock, factory))
        seen = observe(client, session, keys, path)
        got = {k: v for k, v in seen.__dict__.items() if not k.startswith("notice")}
        expected = {k: v for k, v in want.__dict__.items() if not k.startswith("notice")}
        assert got == expected, f"step {n_step} of {name}"
        if want.notice_kind:
            notice = newest_notice(session, keys, path, want.notice_kind)
            assert notice is not None, f"step {n_step}: no {want.notice_kind} notice"
            for words in want.notice_has:
                assert words in notice.body, (words, notice.body)
            for words in want.notice_lacks:
                assert words not in notice.body, (words, notice.body)


def _kwargs(action, args, settings, clock, factory) -> dict[str, Any]:
    import inspect

    params = inspect.signature(action).parameters
    out = dict(args)
    for name, value in (("settings", settings), ("clock", clock), ("factory", factory)):
        if name in params or any(p.kind is p.VAR_KEYWORD for p in params.values()):
            out[name] = value
    return out
