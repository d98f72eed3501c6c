"""Demo objections, repair applications and tip-offs, so the queues and the personal centre have something to show."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.articles import service as articles
from chengxin.articles.models import Article
from chengxin.articles.schemas import ArticleIn
from chengxin.callers import Caller
from chengxin.cases.rules import Upload
from chengxin.catalog.rules import Catalog
from chengxin.crypto import Keys
from chengxin.db import unit_of_work
from chengxin.errors import DomainError
from chengxin.matters.models import Matter
from chengxin.objections import service as objections
from chengxin.objections.models import Objection
from chengxin.publicity.rules import default_tiers
from chengxin.repairs import service as repairs
from chengxin.repairs.models import Repair
from chengxin.settings import Settings
from chengxin.signing import load_signer
from chengxin.tipoffs import service as tipoffs
from chengxin.tipoffs.models import Tipoff

EVIDENCE = Upload("证明材料.pdf", b"%PDF-1.7\n% demo evidence (synthetic)\n%%EOF\n")
REASONS = ["处罚决定已被复议机关撤销", "记录中的违法事实与本人无关，系身份信息被冒用", "罚款金额登记有误"]
PHOTO = Upload("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
TIPOFFS = (("dishonesty", "某某餐饮店（演示）", "该店长期使用过期食材，多次被顾客投诉，附现场照片。", "13800000000"),
           ("misuse", "某中介公司（演示）", "该公司未经本人授权查询并转卖他人信用报告，附聊天截图。", None))


ARTICLES = [
    ("knowledge", "什么是信用修复", "失信信息公示期满最短期限后，纠正失信行为即可申请修复。",
     "信用修复是指失信主体在纠正失信行为、履行相关义务后，按规定申请停止公示失信信息、退出名单的过程。\n\n"
     "一般失信信息最短公示 3 个月，严重失信信息最短公示 1 年，期满后可通过个人中心申请，并签署信用承诺书。"),
    ("honest_case", "拾金不昧的出租车司机", "出租车司机王某归还乘客遗失的现金。",
     "2026 年 10 月，出租车司机王某在车内发现乘客遗失的背包，内有现金 5 万元。\n\n"
     "王某第一时间联系平台找到失主，如数归还。"),
    ("dishonest_case", "拖欠工程款被列入失信名单", "某建筑公司负责人李某拖欠农民工工资被联合惩戒。",
     "某建筑公司长期拖欠农民工工资，经人社部门认定列入拖欠农民工工资失信联合惩戒对象名单。\n\n"
     "其法定代表人李某在政府采购、招标投标等领域受到限制，直至履行义务并完成信用修复。"),
]


def seed_cases(factory: sessionmaker[Session], settings: Settings, keys: Keys, catalog: Catalog,
               rng: random.Random, today: date, count: int = 3) -> None:
    """File a few objections and repair applications as the persons concerned would, two tip-offs
    and the articles: each kind only into a database that has none of it yet, so running the demo
    again on the same database adds nothing twice."""
    tiers = default_tiers()
    signer = load_signer(settings)
    with unit_of_work(factory) as session:
        # A kind already there counts as done (the cases of the first run, or of people trying the demo).
        # Cases are seeded once: a database that already has objections had its turn (a first run on
        # a small population may find no record ready for repair; a rerun must not add one later).
        seeded = bool(_count(session, Objection))
        have = {"objections": count if seeded else 0,
                "repairs": count if seeded or _count(session, Repair) else 0}
        negatives = list(session.scalars(select(Matter).where(
            Matter.nature == "negative", Matter.subject_kind == "person", Matter.origin == "record",
            Matter.ended_on.is_(None)).order_by(Matter.id).limit(200)))
        rng.shuffle(negatives)
        for rec in negatives:
            if have["objections"] >= count and have["repairs"] >= count:
                break
            person = Caller.of(frozenset({"person"}), person_key=rec.subject_key)
            try:
                if have["objections"] < count:
                    objections.file(session, catalog, keys, settings, caller=person, person_key=rec.subject_key,
                                    target_kind="matter", target_id=rec.id, reason=rng.choice(REASONS),
                                    uploads=[EVIDENCE])
                    have["objections"] += 1
                    continue
                _, elig = repairs.assess(session, catalog, tiers, rec.subject_key, "matter", rec.id, today)
                if elig.eligible:
                    repairs.apply(session, catalog, keys, settings, signer, tiers, caller=person,
                                  person_key=rec.subject_key, target_kind="matter", target_id=rec.id,
                                  method=elig.methods[0], statement="已履行全部义务，并参加了信用修复培训",
                                  commitment=True, uploads=[EVIDENCE])
                    have["repairs"] += 1
            except DomainError:
                continue  # e.g. a court listing, which is not repaired here; or a record already in a case
        # Tip-offs keep only a digest of what was said: the demo's go only into a database with none.
        for n, (category, subject, content, contact) in enumerate(() if _count(session, Tipoff) else TIPOFFS):
            tipoff, _ = tipoffs.receive(session, keys, settings, category=category, subject_name=subject,
                                        content=content, contact=contact, uploads=[PHOTO])
            if n == 0:
                tipoffs.handle(session, tipoff=tipoff, actor="system", status="handling", note="已转市场监管部门核查")
        titles = set(session.scalars(select(Article.title)))
        for kind, title, summary, body in ARTICLES:
            if title not in titles:
                article = articles.create(session, ArticleIn(kind=kind, title=title, summary=summary, body=body),
                                          "system")
                articles.publish(session, article, True)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0
