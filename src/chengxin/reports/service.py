"""Issue, register, verify and revoke reports. Services never commit (the request does).

Every report is read through the same choke point as any other read: the issue is logged in the
access log (action `report`, the report's id as reference), so the person sees it in
"谁查询了我"; a verification is logged too (action `report_verify`), since it says whether the
person's information has changed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.access import repository as access_repo
from chengxin.access.endpoints import entry_fields
from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller
from chengxin.catalog.rules import Catalog
from chengxin.clock import CHINA, utcnow
from chengxin.creditfile.schemas import CreditFile
from chengxin.creditfile.service import build_file, matter_out
from chengxin.crypto import Keys
from chengxin.db import read_transaction
from chengxin.departments import repository as departments_repo
from chengxin.errors import DomainError, NotFound
from chengxin.exchange import disclosures
from chengxin.ids import new_id
from chengxin.keyring.repository import aliases_of
from chengxin.masking import third_party_file
from chengxin.matters import repository as matters_repo
from chengxin.persons import repository as persons
from chengxin.publicity.rules import Tier
from chengxin.reports import content as c
from chengxin.reports import repository as repo
from chengxin.reports import rules
from chengxin.reports.document import Rendered, font_path, render_pdf
from chengxin.reports.models import Report
from chengxin.reports.seal import Seal
from chengxin.reports.standing import own_matters, serious_in_publicity, standing
from chengxin.settings import Settings

QUERY_LOOKBACK_DAYS = 365
QUERY_LINES = 20
QUERY_SCAN = 2000


@dataclass(frozen=True)
class Context:
    """What issuing needs from the application."""

    catalog: Catalog
    keys: Keys
    tiers: dict[str, Tier]
    seal: Seal
    settings: Settings
    site: object  # chengxin.web.identity.SiteIdentity


@dataclass(frozen=True)
class Request:
    """Who asks for which report about whom."""

    variant: str
    person_key: str
    caller: Caller
    channel: str  # online | api | counter
    requester_kind: str  # person | organisation | clerk
    requester: str
    purpose: str
    purpose_code: str | None = None
    scope: tuple[str, ...] = ()
    categories: frozenset[str] | None = None  # what an authorised report may show (None: all)
    recipient: str | None = None
    authorisation_id: str | None = None
    occupation: str | None = None
    scenario: str | None = None
    business_ref: str | None = None


@dataclass(frozen=True)
class Issued:
    report: Report
    pdf: bytes
    content: c.Content


@dataclass(frozen=True)
class Verification:
    status: str
    report: Report | None

    @property
    def label(self) -> str:
        return rules.STATUS_LABELS[self.status]

    @property
    def text(self) -> str:
        return rules.STATUS_TEXT[self.status]


# --- issuing ----------------------------------------------------------------------------------

def check_limits(session: Session, req: Request, settings: Settings, now: datetime) -> None:
    """Per person (what they and counters issue for them) and per third party, over the last 24 h."""
    since = now - timedelta(days=1)
    count = select(func.count()).select_from(Report).where(Report.issued_at > since)
    if req.requester_kind == "organisation":
        n_org = session.scalar(count.where(Report.requester == req.requester)) or 0
        rules.over_limit(n_org, settings.report_per_organisation_day, "本机构")
        n_pair = session.scalar(count.where(Report.requester == req.requester,
                                            Report.subject_key == req.person_key)) or 0
        rules.over_limit(n_pair, settings.report_per_organisation_person_day, "本机构就该信息主体")
    else:
        n = session.scalar(count.where(Report.subject_key == req.person_key,
                                       Report.requester_kind != "organisation")) or 0
        rules.over_limit(n, settings.report_per_person_day, "该信息主体")


def _file(session: Session, req: Request, ctx: Context, day: date) -> CreditFile:
    """The file as this report's reader may see it."""
    if req.variant == "authorised":
        person = persons.get(session, req.person_key)
        full = build_file(session, catalog=ctx.catalog, keys=ctx.keys, tiers=ctx.tiers, person_key=req.person_key,
                          caller=req.caller, as_of=day)
        return third_party_file(full, birth_date=person.birth_date if person else None, categories=req.categories)
    return build_file(session, catalog=ctx.catalog, keys=ctx.keys, tiers=ctx.tiers, person_key=req.person_key,
                      caller=req.caller, as_of=day, own_view=True)


def _queries(session: Session, person_key: str, day: date) -> tuple[tuple[c.QueryLine, ...], int]:
    """Who (other than the person) queried the file in the 12 months before the report."""
    keys = (person_key, *aliases_of(session, [person_key])[person_key])
    since = datetime.combine(day - timedelta(days=QUERY_LOOKBACK_DAYS), datetime.min.time(), CHINA)
    rows = access_repo.search(session, access_repo.Search(subject_keys=keys, since=since), QUERY_SCAN)
    groups: Counter[tuple[str, str, str]] = Counter()
    last: dict[tuple[str, str, str], datetime] = {}
    for row in rows:
        f = entry_fields(row)
        if f["role"] == "person" or f["action"] == "report_verify":
            continue
        key = (f["who"], f["action_label"], f["purpose"] or "—")
        groups[key] += 1
        if key not in last or f["at"] > last[key]:
            last[key] = f["at"]
    lines = sorted((c.QueryLine(who, action, purpose, n, last[(who, action, purpose)])
                    for (who, action, purpose), n in groups.items()), key=lambda q: q.last, reverse=True)
    return tuple(lines[:QUERY_LINES]), sum(groups.values())


def compose(session: Session, req: Request, ctx: Context, *, number: str, check_code: str, day: date,
            now: datetime) -> tuple[c.Content, list[list[str]]]:
    """The report's content and its stamps; refuses a certificate that would not be true."""
    file = _file(session, req, ctx, day)
    site = ctx.site
    name, id_label, id_masked, basics = c.identity_lines(file, masked_name=req.variant == "authorised")
    verify_url = f"{ctx.settings.public_url.rstrip('/')}/verify?n={number}&c={check_code}"
    common = dict(variant=req.variant, title=rules.TITLES[req.variant], number=number, check_code=check_code,
                  as_of=day, issued_at=now, issuer=f"{site.name} · 个人公共信用信息平台",  # type: ignore[attr-defined]
                  issuer_host=site.operator, verify_url=verify_url, name=name,  # type: ignore[attr-defined]
                  id_label=id_label, id_masked=id_masked, basics=basics, rights=c.rights(site))
    if req.variant == "certificate":
        st = standing(file)
        if not st.clean:
            items = "、".join(f"{m.item_name}（{m.department_name}，{m.start_date}）" for m in st.serious[:3])
            raise DomainError("REPORT_CERTIFICATE_UNTRUE",
                              f"截至 {day}，信息主体有 {len(st.serious)} 条严重失信信息仍在公示期内"
                              f"或仍在严重失信主体名单上（{items}），不能出具无严重失信记录证明。如认为信息有误，可提出异议；符合条件的可申请信用修复。",
                              409, serious=len(st.serious))
        content = c.Content(**common, overview=c.overview_of(()), sections=(), lists=(),  # type: ignore[arg-type]
                            statement=c.certificate_statement(name, id_label, id_masked, day, st),
                            notes=c.CERTIFICATE_NOTES)
        return content, []
    keep = None
    extra: dict[str, object] = {}
    if req.variant == "occupational":
        assert req.occupation and req.scenario
        keep = c.occupational_keep(file, ctx.catalog, req.occupation)
        label, text = rules.SCENARIOS[req.scenario]
        extra = dict(occupation=ctx.catalog.occupations.get(req.occupation, req.occupation), scenario=label,
                     scenario_text=text + "本报告只列出与所选职业相关的信用信息（职业资格与执业、该职业的相关信息项）"
                     "和红黑名单信息。")
    elif req.variant == "authorised":
        extra = dict(purpose=req.purpose, scope="、".join(req.scope) if req.scope else None,
                     recipient=req.recipient, notes=("本报告仅含本人授权范围内的信息；仅政务共享的信息、已撤销的记录和"
                                                     "依法保护的未成年人信息不予提供。",))
    elif req.variant == "self":
        queries, total = _queries(session, req.person_key, day)
        extra = dict(queries=queries, queries_total=total)
    sections = c.sections_of(file, keep)
    matters = [m for m in own_matters(file) if keep is None or m.id in keep]
    content = c.Content(**common, overview=c.overview_of(sections), sections=sections,  # type: ignore[arg-type]
                        lists=c.list_lines(matters), **extra)  # type: ignore[arg-type]
    found = repo.stamp_columns(session, req.person_key, [m.id for m in matters])
    stamps = [rules.stamp(m.id, *found[m.id]) for m in matters if m.id in found]
    return content, stamps


def _new_number(session: Session, day: date) -> str:
    for _ in range(10):
        number = rules.new_number(day.strftime("%Y%m%d"))
        if session.scalar(select(Report.id).where(Report.number == number)) is None:
            return number
    raise DomainError("REPORT_NUMBER_EXHAUSTED", "报告编号生成失败，请重试", 503)


@dataclass(frozen=True)
class _Prepared:
    number: str
    check_code: str
    day: date
    content: c.Content
    stamps: list[list[str]]
    pdf: bytes
    pages: int


def _prepare(session: Session, req: Request, ctx: Context, now: datetime, reader: Session | None = None,
             ) -> _Prepared:
    """Everything that only reads: the refusals, the content, the laid-out and sealed PDF. The
    content may be read on `reader` (a standby within the lag bound, as file views are); the person,
    the limits and the day's numbers are read on `session` (the primary), where the report is
    registered: a standby a few seconds behind would hand out a number already taken."""
    if persons.get(session, req.person_key) is None:
        raise NotFound("PERSON_NOT_FOUND", "平台中没有此人的信用档案")
    check_limits(session, req, ctx.settings, now)
    day = now.astimezone(CHINA).date()
    number, check_code = _new_number(session, day), rules.new_check_code()
    content, stamps = compose(reader or session, req, ctx, number=number, check_code=check_code, day=day, now=now)
    rendered: Rendered = render_pdf(content, font_path(ctx.settings.report_font))
    site = ctx.site
    pdf = ctx.seal.sign(rendered.pdf, reason=f"{site.operator}出具{rules.TITLES[req.variant]}",  # type: ignore[attr-defined]
                        location=site.name)  # type: ignore[attr-defined]
    return _Prepared(number, check_code, day, content, stamps, pdf, rendered.pages)


def issue(session: Session, req: Request, ctx: Context, *, now: datetime | None = None,
          reader: Session | None = None) -> Issued:
    """Compose, lay out, seal and register one report, and log the read. The slow part (layout and
    seal) runs in a transaction that only reads, so on SQLite it holds no write lock; the limits and
    the number are checked again in the writing transaction that registers the report. With
    `reader` (a standby session, `deps.StandbyDep`) the report's content is read there."""
    rules.require_variant(req.variant)
    if req.variant == "occupational":
        rules.require_scenario(req.scenario)
        if req.occupation not in ctx.catalog.occupations:
            raise DomainError("REPORT_OCCUPATION_UNKNOWN", "未知的职业，请从目录的重点职业人群中选择", 422)
    now = now or utcnow()
    if session.in_transaction():
        p = _prepare(session, req, ctx, now, reader)
    else:
        with read_transaction(session):
            p = _prepare(session, req, ctx, now, reader)
    check_limits(session, req, ctx.settings, now)
    if session.scalar(select(Report.id).where(Report.number == p.number)) is not None:
        raise DomainError("REPORT_NUMBER_TAKEN", "报告编号冲突，请重新申请", 409)
    row = Report(id=new_id(), number=p.number, check_code=p.check_code, variant=req.variant,
                 subject_key=req.person_key, channel=req.channel, requester_kind=req.requester_kind,
                 requester=req.requester[:64], purpose_code=req.purpose_code, purpose=req.purpose[:200],
                 scope=list(req.scope), occupation=req.occupation, scenario=req.scenario,
                 authorisation_id=req.authorisation_id, as_of=p.day, issued_at=now,
                 sha256=hashlib.sha256(p.pdf).hexdigest(), pages=p.pages, matters=p.content.matter_count,
                 stamps=p.stamps, certificate=ctx.seal.fingerprint)
    session.add(row)
    session.flush()
    if req.requester_kind == "organisation":  # told if a matter on it is later revoked or repaired (R14)
        disclosures.record(session, req.person_key, [stamp[0] for stamp in p.stamps], receiver=req.requester,
                           via="report", via_ref=row.id, now=now)
    log_reads(session, req.caller, "report", [Read(req.person_key, "ok", row.id)],
              purpose=f"{rules.VARIANTS[req.variant]}：{req.purpose}"[:200], basis=req.authorisation_id,
              business_ref=req.business_ref, at=now)
    return Issued(row, p.pdf, p.content)


def preview(session: Session, req: Request, ctx: Context, *, now: datetime | None = None) -> c.Content:
    """The report's content as a page, not registered and not sealed (no number yet)."""
    now = now or utcnow()
    content, _ = compose(session, req, ctx, number="（预览，未出具）", check_code="—", day=now.astimezone(CHINA).date(),
                         now=now)
    return content


# --- the register -----------------------------------------------------------------------------

def of_subject(session: Session, person_key: str, limit: int = 200) -> Sequence[Report]:
    """Every report issued about the person (and under their earlier keys), newest first."""
    keys = (person_key, *aliases_of(session, [person_key])[person_key])
    return session.scalars(select(Report).where(Report.subject_key.in_(keys))
                           .order_by(Report.issued_at.desc()).limit(limit)).all()


def of_requester(session: Session, requester: str, limit: int = 200) -> Sequence[Report]:
    return session.scalars(select(Report).where(Report.requester == requester)
                           .order_by(Report.issued_at.desc()).limit(limit)).all()


def recent(session: Session, limit: int = 200, before: datetime | None = None) -> Sequence[Report]:
    query = select(Report).order_by(Report.issued_at.desc()).limit(limit)
    if before is not None:
        query = query.where(Report.issued_at < before)
    return session.scalars(query).all()


def by_number(session: Session, number: str) -> Report | None:
    return repo.by_number(session, rules.normalise_number(number))


def revoke(session: Session, report_id: str, *, by: str, reason: str, now: datetime | None = None) -> Report:
    """Void a report (issued in error, or at the person's request); verification then says so."""
    row = session.get(Report, report_id[:26])
    if row is None:
        raise NotFound("REPORT_NOT_FOUND", "没有找到该报告")
    text = " ".join((reason or "").split())
    if not text:
        raise DomainError("REPORT_REVOKE_REASON_REQUIRED", "作废报告须写明原因", 422)
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by, row.revoked_reason = now or utcnow(), by[:64], text[:200]
    return row


# --- verification -----------------------------------------------------------------------------

def status_of(session: Session, row: Report, ctx_catalog: Catalog, tiers: dict[str, Tier],
              day: date | None = None) -> str:
    """valid / superseded / revoked, from the current state (never what changed)."""
    if row.revoked_at is not None:
        return "revoked"
    if row.stamps:
        found = repo.stamp_columns(session, row.subject_key, [matter_id for matter_id, _ in row.stamps])
        for matter_id, token in row.stamps:
            now = found.get(matter_id)
            if now is None or rules.stamp(matter_id, *now)[1] != token:
                return "superseded"
    if row.variant == "certificate" and not still_clean(session, row, ctx_catalog, tiers):
        return "superseded"
    return "valid"


def still_clean(session: Session, row: Report, catalog: Catalog, tiers: dict[str, Tier]) -> bool:
    """Whether, with what is known now, the person had no serious dishonesty record in publicity on
    the certificate's day (a record decided before then but reported later makes it untrue)."""
    departments = departments_repo.names(session)
    for m in matters_repo.of_subjects(session, [row.subject_key]):
        if m.end_reason in ("revoked", "court_deleted") or (m.nature != "negative" and m.list_type != "black"):
            continue
        if serious_in_publicity(matter_out(m, None, catalog, departments, tiers, row.as_of)):
            return False
    return True


def check(session: Session, number: str, check_code: str, *, catalog: Catalog,
          tiers: dict[str, Tier]) -> Verification:
    """The public verification's answer: the same for an unknown number and a wrong check code."""
    row = by_number(session, number)
    if row is None or not rules.same_check(check_code, row.check_code):
        return Verification("not_found", None)
    return Verification(status_of(session, row, catalog, tiers), row)


def verification_reads(v: Verification) -> list[Read]:
    """What a verification read, for the access log (nothing when no report was found)."""
    return [] if v.report is None else [Read(v.report.subject_key, v.status, v.report.id)]


VERIFY_PURPOSE = "核验信用报告"


def verify(session: Session, number: str, check_code: str, *, catalog: Catalog, tiers: dict[str, Tier],
           caller: Caller) -> Verification:
    """`check`, logged in the session's transaction (the pages' path)."""
    v = check(session, number, check_code, catalog=catalog, tiers=tiers)
    log_reads(session, caller, "report_verify", verification_reads(v), purpose=VERIFY_PURPOSE)
    return v
