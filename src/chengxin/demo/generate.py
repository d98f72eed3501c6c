"""Build a demo database through the real collection path, with synthetic people only.

Proportions follow what a city platform sees: most people have no negative
record; honours, qualifications and licences are common; serious dishonesty
and list entries are rare; minors never carry negative records (R7).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.rules import Catalog, CatalogItem, FieldSpec, default_catalog
from chengxin.clock import today as china_today
from chengxin.crypto import Keys, load_keys
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.demo import synth
from chengxin.identity.rules import region_name
from chengxin.organisations import service as org_service
from chengxin.organisations.schemas import OrganisationIn, RolePersonIn
from chengxin.records import service
from chengxin.records.rules import RowContext
from chengxin.settings import Settings

CHUNK = 5000
BASIC_ITEM = "JCXX-01"
PHRASES = {
    "violation": ("未按规定公示食品经营许可", "无证从事经营活动", "虚假宣传", "超范围经营",
                  "未按期申报纳税", "酒后驾驶机动车", "占道经营", "违规收费"),
    "facts": ("经查，当事人在经营活动中存在上述违法行为，事实清楚，证据确凿。",
              "当事人于检查中被发现违反有关规定，经责令整改后仍未改正。"),
    "basis": ("《中华人民共和国行政处罚法》", "《中华人民共和国食品安全法》",
              "《中华人民共和国道路交通安全法》", "《中华人民共和国税收征收管理法》"),
    "content": ("依法予以认定", "按规定办理完毕"),
}


# A locally decided black-list record always says when its listing notice was served (R13).
LISTING_NOTICE = frozenset({"notice_date", "notice_doc_no"})


def _value(rng: random.Random, spec: FieldSpec, decided: date, dept_name: str, n: int) -> Any:
    t = spec.type
    if t == "enum":
        return rng.choice(spec.values)
    if t == "date":
        if spec.name == "notice_date":  # the listing notice is served before the decision (R13)
            return (decided - timedelta(days=20)).isoformat()
        if spec.allow_future:
            return (decided + timedelta(days=rng.choice((365, 730, 1095)))).isoformat()
        return decided.isoformat()
    if t == "integer":
        return rng.randint(1, 200)
    if t == "decimal":
        return f"{rng.uniform(0.05, 20):.2f}"
    if t == "boolean":
        return rng.random() < 0.5
    if t == "uscc":
        return synth.uscc(rng, "110105")
    name = spec.name
    if name.endswith("_no") or "文号" in spec.label or "编号" in spec.label:
        return f"{dept_name[:2]}〔{decided.year}〕{n % 9000 + 100}号"
    if "authority" in name or "机关" in spec.label or "单位" in spec.label:
        return dept_name
    for key, phrases in PHRASES.items():
        if key in name:
            return rng.choice(phrases)
    text = f"{spec.label}（演示数据）"
    return text[: spec.max_length or 200]


class DemoPlan:
    """Which items a person or organisation gets, by nature and subject."""

    def __init__(self, catalog: Catalog) -> None:
        def pick(nature: str, subjects: tuple[str, ...]) -> list[CatalogItem]:
            return [i for i in catalog.items.values()
                    if i.nature == nature and i.subject in subjects]

        self.positive = pick("positive", ("person", "both"))
        self.neutral = pick("neutral", ("person", "both"))
        self.negative = pick("negative", ("person", "both"))
        self.org_negative = pick("negative", ("organisation", "both"))
        self.serious = [i for i in self.negative if i.severity == "serious"]
        self.mild = [i for i in self.negative if i.severity != "serious"]

    def for_person(self, rng: random.Random, minor: bool) -> list[CatalogItem]:
        items: list[CatalogItem] = []
        if self.positive and rng.random() < 0.22:
            items += rng.sample(self.positive, k=min(len(self.positive), rng.choice((1, 1, 2))))
        if self.neutral and not minor and rng.random() < 0.30:
            items.append(rng.choice(self.neutral))
        if not minor:
            if self.mild and rng.random() < 0.07:
                items.append(rng.choice(self.mild))
            if self.serious and rng.random() < 0.012:
                items.append(rng.choice(self.serious))
        return items


# What the demo reports, in the order it says it: the database's totals, and what this run added.
COUNTED = {"persons": ("自然人", "人"), "organisations": ("组织", "家"), "records": ("信用记录", "条"),
           "objections": ("异议", "件"), "repairs": ("修复申请", "件"), "tipoffs": ("举报", "件"),
           "articles": ("信用知识与案例", "篇")}


@dataclass
class DemoResult:
    """The demo database as it now is, what this run added to it, and persons to sign in as."""

    totals: dict[str, int]
    added: dict[str, int]
    samples: list[tuple[str, str, str]] = field(default_factory=list)  # (what they show, name, ID number)

    @staticmethod
    def line(counts: dict[str, int]) -> str:
        return "，".join(f"{label} {counts[k]} {unit}" for k, (label, unit) in COUNTED.items())


def totals(factory: sessionmaker[Session]) -> dict[str, int]:
    from chengxin.articles.models import Article
    from chengxin.objections.models import Objection
    from chengxin.organisations.models import Organisation
    from chengxin.persons.models import Person
    from chengxin.records.models import Record
    from chengxin.repairs.models import Repair
    from chengxin.tipoffs.models import Tipoff

    models = {"persons": Person, "organisations": Organisation, "records": Record, "objections": Objection,
              "repairs": Repair, "tipoffs": Tipoff, "articles": Article}
    with factory() as session:
        return {k: session.scalar(select(func.count()).select_from(m)) or 0 for k, m in models.items()}


def sample_persons(factory: sessionmaker[Session], keys: Keys) -> list[tuple[str, str, str]]:
    """Demo persons worth signing in as: one with an objection under way, one with a repair
    application, one with nothing negative (synthetic people: their numbers may be shown)."""
    from chengxin.objections.models import Objection
    from chengxin.persons.models import Person
    from chengxin.records.models import Record
    from chengxin.repairs.models import Repair

    negative = select(Record.subject_key).where(Record.nature == "negative")
    wanted = [("有异议正在处理", select(Objection.subject_key).order_by(Objection.filed_at, Objection.id)),
              ("有信用修复申请", select(Repair.subject_key).order_by(Repair.filed_at, Repair.id)),
              ("没有失信记录的成年人", select(Person.person_key).where(
                  Person.person_key.not_in(negative), Person.birth_date <= china_today() - timedelta(days=366 * 18))
               .order_by(Person.person_key))]
    found = []
    with factory() as session:
        for label, query in wanted:
            key = session.scalar(query.limit(1))
            person = session.get(Person, key) if key else None
            if person is not None and person.name:
                found.append((label, person.name, keys.decrypt(bytes(person.id_cipher), key.encode())))
    return found


def build_demo(settings: Settings, *, persons: int, seed: int, console: Console) -> DemoResult:
    """Generate `persons` synthetic people, their organisations and records (the same seed makes
    the same people: a second run on the same database adds nothing)."""
    rng = random.Random(seed)
    catalog = default_catalog()
    keys = load_keys(settings)
    engine = make_engine(settings.resolved_database_url)
    factory = make_sessionmaker(engine)
    before = totals(factory)
    today = china_today()
    plan = DemoPlan(catalog)
    pool = synth.counties(rng)
    used: set[str] = set()
    rows: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    adults: list[tuple[str, str, date]] = []
    serial = 0
    basic = catalog.item(BASIC_ITEM)
    for _ in range(persons):
        number, name, sex, born = synth.synthetic_person(rng, pool, today, used)
        minor = (today - born).days < 18 * 365.25
        if not minor:
            adults.append((number, name, born))
        if basic is not None:
            # Everyone has a household-registration record from public security.
            serial += 1
            rows["public_security"].append((serial, {
                "item_code": basic.code, "id_number": number, "name": name,
                "source_record_id": f"HJ-{number[:6]}-{serial:08d}",
                "decision_date": max(born, today - timedelta(days=3650)).isoformat(),
                "gender": "男" if sex == "male" else "女", "birth_date": born.isoformat(),
                "domicile_division": number[:6], "registration_status": "正常",
            }))
        for item in plan.for_person(rng, minor):
            serial += 1
            dept = rng.choice(item.source_departments)
            adult_since = born + timedelta(days=int(18 * 365.25))
            earliest = max(today - timedelta(days=3 * 365), adult_since if not minor else born)
            decided = earliest + timedelta(days=rng.randrange(max((today - earliest).days, 1)))
            raw: dict[str, Any] = {
                "item_code": item.code, "id_type": "citizen_id", "id_number": number,
                "name": name, "source_record_id": f"{dept.upper()}-{decided.year}-{serial:08d}",
                "decision_date": decided.isoformat(),
            }
            for spec in item.fields:
                if spec.required or spec.name in LISTING_NOTICE or rng.random() < 0.6:
                    raw[spec.name] = _value(rng, spec, decided, catalog.departments[dept], serial)
            rows[dept].append((serial, raw))

    org_count = max(1, persons // 25)
    orgs: list[tuple[str, str]] = []
    with unit_of_work(factory) as session:
        for _ in range(org_count):
            county = rng.choice(pool)
            city = (region_name(county[:4] + "00") or region_name(county[:2] + "0000") or "")
            code, oname = synth.uscc(rng, county), synth.org_name(rng, city[-3:] if city else "")
            rep = rng.choice(adults) if adults else None
            people = [] if rep is None else [RolePersonIn(
                role="legal_representative", id_number=rep[0], name=rep[1],
                since=today - timedelta(days=rng.randrange(3650)))]
            dept = next(iter(catalog.departments))
            org_service.register(session, keys, dept, code,
                                 OrganisationIn(name=oname, persons=people))
            orgs.append((code, oname))
    for code, oname in orgs:
        if plan.org_negative and rng.random() < 0.15:
            item = rng.choice(plan.org_negative)
            serial += 1
            dept = rng.choice(item.source_departments)
            decided = today - timedelta(days=rng.randrange(1, 3 * 365))
            raw = {"item_code": item.code, "uscc": code, "org_name": oname,
                   "source_record_id": f"{dept.upper()}-{decided.year}-{serial:08d}",
                   "decision_date": decided.isoformat()}
            for spec in item.fields:
                if spec.required or spec.name in LISTING_NOTICE or rng.random() < 0.6:
                    raw[spec.name] = _value(rng, spec, decided, catalog.departments[dept], serial)
            rows[dept].append((serial, raw))

    total = sum(len(v) for v in rows.values())
    with Progress(console=console) as bar:
        task = bar.add_task("归集演示记录", total=total)
        for dept, dept_rows in rows.items():
            ctx = RowContext(catalog, dept, today, keys.hasher())
            for start in range(0, len(dept_rows), CHUNK):
                chunk = dept_rows[start : start + CHUNK]
                with unit_of_work(factory) as session:
                    batch = service.open_batch(session, dept, "api", "demo")
                    result = service.Collector(session, catalog, keys, batch, ctx).add_chunk(
                        chunk)
                    service.close_batch(batch)
                    if result.rejected:
                        first = next(i for i in result.issues if i.level == "error")
                        raise RuntimeError(f"演示数据未通过校验：{first.code} {first.message}")
                bar.advance(task, len(chunk))
    from chengxin.demo.cases import seed_cases

    seed_cases(factory, settings, keys, catalog, rng, today)
    after = totals(factory)
    result = DemoResult(after, {k: after[k] - before[k] for k in after}, sample_persons(factory, keys))
    engine.dispose()
    return result
