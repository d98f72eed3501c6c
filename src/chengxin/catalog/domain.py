"""The domain (领域) a record falls in, and the occupation roster it feeds, derived when it is collected.

Measures limited to some domains (sanctions/measures.yaml `domains`) reach only records of
those domains, so every record needs one even when its item is generic (行政处罚信息 is
submitted by a dozen departments). The order, most specific first:

1. the item's own domain, when it names exactly one (欠缴税款信息 is always 税收缴纳);
2. the record's 处罚领域 field (`penalty_domain`), when the item has it and it is filled: the
   deciding authority's word on this very decision (a market regulator's penalty may be about
   价格, 产品质量 or 电子商务), as long as it is one of the item's domains if the item names any;
3. the submitting department's default domain (`domain:` on the department in catalog.yaml: an
   environment bureau's penalties are 环境保护), again within the item's domains if it names any;
4. the item's first domain, when it names several; else none (the record then reaches only
   measures not limited to domains).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chengxin.catalog.rules import DOMAIN_FIELD, OCCUPATION_FIELD, Catalog, CatalogItem


def domain_codes_by_name(catalog: Catalog) -> dict[str, str]:
    """Domain name (as the 处罚领域 field carries it) -> code."""
    return catalog.domain_codes_by_name


def record_domain(catalog: Catalog, item: CatalogItem, department_code: str,
                  data: Mapping[str, Any] | None) -> str | None:
    """The domain of one record (see the module's order)."""
    own = item.domains
    if len(own) == 1:
        return own[0]
    if data is not None and DOMAIN_FIELD in item.by_name:
        named = domain_codes_by_name(catalog).get(str(data.get(DOMAIN_FIELD) or ""))
        if named is not None and (not own or named in own):
            return named
    default = catalog.department_domains.get(department_code)
    if default is not None and (not own or default in own):
        return default
    return own[0] if own else None


def needs_data(item: CatalogItem) -> bool:
    """Whether the record's own data can change its domain (else item and department decide)."""
    return len(item.domains) != 1 and DOMAIN_FIELD in item.by_name


def candidate_domains(item_domains: tuple[str, ...], record_domain: str | None) -> tuple[str, ...]:
    """The domains a check matches a record against: its item's, and its own derived one."""
    if record_domain is None or record_domain in item_domains:
        return item_domains
    return (*item_domains, record_domain)


def roster_occupation(catalog: Catalog, item: CatalogItem, data: Mapping[str, Any] | None) -> str | None:
    """The occupation a qualification or registration record (a neutral item naming occupations) puts
    its person in, for the occupation rosters (职业信用档案): the item's only occupation, else the one
    the record's 职业人群 field names among the item's; else none. Other records join no roster."""
    own = item.occupations
    if item.nature != "neutral" or not own:
        return None
    if len(own) == 1:
        return own[0]
    if data is not None and OCCUPATION_FIELD in item.by_name:
        named = {name: code for code, name in catalog.occupations.items()}.get(str(data.get(OCCUPATION_FIELD) or ""))
        if named in own:
            return named
    return None
