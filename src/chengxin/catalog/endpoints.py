"""JSON API of the catalog: read-only, served from the catalog loaded at start-up."""

from __future__ import annotations

from collections.abc import Container
from typing import Annotated

from fastapi import APIRouter, Query

from chengxin.callers import permit
from chengxin.catalog.schemas import CatalogOut, ItemOut, Nature
from chengxin.deps import CatalogDep
from chengxin.errors import PROBLEM_RESPONSES, DomainError, NotFound

router = APIRouter(prefix="/api/v1/catalog", tags=["目录"], responses=PROBLEM_RESPONSES)


def _known(code: str | None, table: Container[str], what: str) -> None:
    if code is not None and code not in table:
        raise DomainError("CATALOG_FILTER_UNKNOWN", f"目录中没有编码为 {code} 的{what}", 422)


@router.get("", response_model=CatalogOut, summary="公共信用信息目录", dependencies=[permit("public")])
async def read_catalog(
    catalog: CatalogDep,
    category: Annotated[str | None, Query(description="类别编码；上级类别包含其下级")] = None,
    nature: Annotated[Nature | None, Query(description="positive 守信 / negative 失信 / neutral 中性")] = None,
    domain: Annotated[str | None, Query(description="重点领域编码")] = None,
    occupation: Annotated[str | None, Query(description="重点职业人群编码")] = None,
) -> CatalogOut:
    """现行目录版本、类别、领域、职业人群、报送部门及信息项概要，可按条件筛选。"""
    _known(category, {c.code for c in catalog.categories}, "类别")
    _known(domain, catalog.domains, "领域")
    _known(occupation, catalog.occupations, "职业人群")
    categories = catalog.category_codes_under(category) if category else None
    items = [
        item
        for item in catalog.items.values()
        if (categories is None or item.category in categories)
        and (nature is None or item.nature == nature)
        and (domain is None or domain in item.domains)
        and (occupation is None or occupation in item.occupations)
    ]
    return CatalogOut.of(catalog, items)


@router.get("/items/{code}", response_model=ItemOut, summary="目录信息项详情", dependencies=[permit("public")])
async def read_item(code: str, catalog: CatalogDep) -> ItemOut:
    """一个信息项的全部属性及其字段定义。"""
    item = catalog.item(code)
    if item is None:
        raise NotFound("CATALOG_ITEM_UNKNOWN", f"目录中没有编码为 {code} 的信息项")
    return ItemOut.of(item, catalog)
