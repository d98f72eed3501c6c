"""The items issue 18 asked for: the seeds' domains, behaviours and occupations each have an
item, and every one of them can be submitted by each of its departments, tagged with its domain."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from chengxin.catalog.domain import record_domain
from chengxin.catalog.rules import CatalogItem, FieldSpec, default_catalog
from chengxin.records.models import Record
from helpers import as_dept, cid, days_ago, submit

CATALOG = default_catalog()
NEW = [i for i in CATALOG.items.values()
       if i.code in {f"XZCF-{n:02d}" for n in range(6, 16)} | {"ZSCQ-01", "ZSCQ-02", "ZYTG-01"}
       | {f"ZSFG-{n:02d}" for n in range(5, 11)} | {f"ZYZG-{n:02d}" for n in range(7, 12)}]

DOMAIN_PENALTIES = {"environment": "XZCF-06", "biosafety": "XZCF-07", "quality": "XZCF-08", "ecommerce": "XZCF-09",
                    "statistics": "XZCF-10", "circulation": "XZCF-11", "exhibition_advertising": "XZCF-12",
                    "consumer_rights": "XZCF-13", "price": "XZCF-14", "fire_safety": "XZCF-15",
                    "intellectual_property": "ZSCQ-01"}
BEHAVIOURS = {"骗取财政资金": "ZSFG-05", "非法集资": "ZSFG-06", "金融欺诈": "ZSFG-07", "行贿": "ZSFG-08",
              "骗取就业创业补贴": "ZSFG-09", "伪造就业材料": "ZSFG-10"}
OCCUPATIONS = {"civil_servant": "ZYZG-07", "public_institution_staff": "ZYZG-08", "statistics_staff": "ZYZG-09",
               "media_staff": "ZYZG-10", "ecommerce_staff": "ZYZG-11"}


def test_the_seeds_domains_have_penalty_items():
    for domain, code in DOMAIN_PENALTIES.items():
        item = CATALOG.item(code)
        assert item is not None and item.domains == (domain,), code
        assert item.nature == "negative" and item.repairable, code
    assert CATALOG.item("ZSCQ-01").category == "ZSCQ"  # type: ignore[union-attr]
    assert CATALOG.category_name("ZSCQ") == "知识产权"


def test_the_seeds_behaviours_have_items():
    for words, code in BEHAVIOURS.items():
        item = CATALOG.item(code)
        assert item is not None and words[:2] in item.name and item.nature == "negative", code
        assert "《" in item.legal_basis


def test_the_five_occupations_have_neutral_items_of_their_own():
    for occupation, code in OCCUPATIONS.items():
        item = CATALOG.item(code)
        assert item is not None and item.occupations == (occupation,), code
        assert (item.nature, item.category, item.subject) == ("neutral", "ZYZG", "person")


def test_thirteen_top_level_categories():
    assert len([c for c in CATALOG.categories if c.parent is None]) == 13


def _sample(spec: FieldSpec) -> Any:
    return {"string": "示例", "text": "示例内容", "date": days_ago(40), "integer": 1, "decimal": "1.00",
            "enum": spec.values[0] if spec.values else None, "boolean": True}.get(spec.type)


def _row(item: CatalogItem, n: int, dept: str) -> dict[str, Any]:
    fields = {f.name: _sample(f) for f in item.fields if f.required}
    return {"item_code": item.code, "id_type": "citizen_id", "id_number": cid(n), "name": "王五",
            "source_record_id": f"I18-{item.code}-{dept}", "decision_date": days_ago(40), "fields": fields}


def test_each_new_item_from_each_of_its_departments_is_stored_with_its_domain(client, session, keys):
    by_dept: dict[str, list[tuple[int, CatalogItem]]] = defaultdict(list)
    n = 500
    for item in NEW:
        for dept in item.source_departments:
            n += 1
            by_dept[dept].append((n, item))
    for dept, rows in by_dept.items():
        body = submit(client, [_row(item, k, dept) for k, item in rows], headers=as_dept(dept)).json()
        assert body["created"] == len(rows), (dept, body)
    for dept, rows in by_dept.items():
        for k, item in rows:
            key = keys.subject_key("citizen_id", cid(k))
            record = session.scalars(select(Record).where(Record.subject_key == key)).one()
            assert record.domain == record_domain(CATALOG, item, dept, {}), (item.code, dept)
            if item.domains:
                assert record.domain in item.domains
    # the environment bureau's own item is environment whatever else
    env = by_dept["ecology_environment"]
    assert {CATALOG.item(i.code).domains for _, i in env if i.code == "XZCF-06"} == {("environment",)}  # type: ignore[union-attr]
