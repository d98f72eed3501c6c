"""Two queries racing on one single-use grant: exactly one is answered (committed data, own database)."""

from __future__ import annotations

import threading
from datetime import timedelta

from authz_data import bank, grant_body, person_of
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from chengxin.access.models import AccessEntry
from chengxin.authorisations import rules, service
from chengxin.authorisations import schemas as s
from chengxin.authorisations.models import Authorisation
from chengxin.catalog.rules import default_catalog
from chengxin.clock import utcnow
from chengxin.db import make_engine, make_sessionmaker, unit_of_work, writing
from chengxin.migrate import upgrade
from chengxin.publicity.rules import default_tiers
from chengxin.settings import get_settings
from chengxin.signing import Signer


def test_a_single_use_grant_is_not_spent_twice_by_racing_queries(data_dir, keys):
    engine = make_engine(get_settings().resolved_database_url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    catalog, tiers = default_catalog(), default_tiers()
    with unit_of_work(factory) as session:
        row = service.grant(session, person_of(keys), grant_body(use_mode="single"), catalog=catalog,
                            signer=Signer.from_seed(bytes(32)), max_days=365)
        grant_id = row.id
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def race() -> None:
        barrier.wait()
        session = writing(factory)  # as a request that writes begins (on SQLite: the write lock first)
        try:
            service.query(session, bank(), grant_id, s.QueryIn(purpose_code="loan"), catalog=catalog, keys=keys,
                          tiers=tiers, now=utcnow() + timedelta(seconds=1))
            outcomes.append("ok")
        except rules.Refused as refused:
            outcomes.append(refused.code)
        except OperationalError as exc:  # would be a 500: none may happen
            outcomes.append(f"error: {exc}")
        finally:
            session.commit()
            session.close()

    threads = [threading.Thread(target=race) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with factory() as session:
        uses = session.scalar(select(Authorisation.use_count).where(Authorisation.id == grant_id))
        answered = session.scalar(select(func.count()).select_from(AccessEntry).where(
            AccessEntry.basis == grant_id, AccessEntry.result == "ok"))
    engine.dispose()
    assert outcomes.count("ok") == 1, outcomes
    assert sorted(outcomes) == ["AUTHZ_USED", "AUTHZ_USED", "AUTHZ_USED", "ok"]  # the others are refused, none fail
    assert (uses, answered) == (1, 1)
