"""Demo objections and repair applications, so the queues and the personal centre have something to show."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.callers import Caller
from chengxin.cases.rules import Upload
from chengxin.catalog.rules import Catalog
from chengxin.crypto import Keys
from chengxin.db import unit_of_work
from chengxin.errors import DomainError
from chengxin.objections import service as objections
from chengxin.publicity.rules import default_tiers
from chengxin.records.models import Record
from chengxin.repairs import service as repairs
from chengxin.settings import Settings
from chengxin.signing import load_signer

EVIDENCE = Upload("证明材料.pdf", b"%PDF-1.7\n% demo evidence (synthetic)\n%%EOF\n")
REASONS = ["处罚决定已被复议机关撤销", "记录中的违法事实与本人无关，系身份信息被冒用", "罚款金额登记有误"]


def seed_cases(factory: sessionmaker[Session], settings: Settings, keys: Keys, catalog: Catalog,
               rng: random.Random, today: date, count: int = 3) -> dict[str, int]:
    """File a few objections and repair applications as the persons concerned would."""
    tiers = default_tiers()
    made = {"objections": 0, "repairs": 0}
    signer = load_signer(settings)
    with unit_of_work(factory) as session:
        negatives = list(session.scalars(select(Record).where(
            Record.nature == "negative", Record.subject_kind == "person", Record.superseded_at.is_(None),
            Record.revoked_at.is_(None)).order_by(Record.id).limit(200)))
        rng.shuffle(negatives)
        for rec in negatives:
            person = Caller.of(frozenset({"person"}), person_key=rec.subject_key)
            try:
                if made["objections"] < count:
                    objections.file(session, catalog, keys, settings, caller=person, person_key=rec.subject_key,
                                    target_kind="record", target_id=rec.id, reason=rng.choice(REASONS),
                                    uploads=[EVIDENCE])
                    made["objections"] += 1
                    continue
                _, elig = repairs.assess(session, catalog, tiers, rec.subject_key, "record", rec.id, today)
                if elig.eligible and made["repairs"] < count:
                    repairs.apply(session, catalog, keys, settings, signer, tiers, caller=person,
                                  person_key=rec.subject_key, target_kind="record", target_id=rec.id,
                                  method=elig.methods[0], statement="已履行全部义务，并参加了信用修复培训",
                                  commitment=True, uploads=[EVIDENCE])
                    made["repairs"] += 1
            except DomainError:
                continue  # e.g. a court listing, which is not repaired here
            if made["repairs"] >= count:
                break
    return made
