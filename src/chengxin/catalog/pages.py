"""Catalog pages (public): browse the items by category and nature, one item with its fields."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from chengxin.callers import permit
from chengxin.catalog.schemas import CatalogOut, ItemOut
from chengxin.creditfile.service import NATURE_LABELS, SEVERITY_LABELS
from chengxin.deps import CatalogDep
from chengxin.errors import NotFound
from chengxin.matters.rules import LIST_LABELS
from chengxin.records import template
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
LABELS = {
    "nature": NATURE_LABELS, "severity": SEVERITY_LABELS, "list": LIST_LABELS,
    "subject": {"person": "自然人", "organisation": "组织", "both": "自然人与组织"},
    "disclosure": {"public": "社会公开", "government": "政务共享", "authorised": "授权查询"},
    "type": {"string": "文字", "text": "长文本", "date": "日期", "integer": "整数", "decimal": "数字",
             "enum": "选项", "boolean": "是/否", "uscc": "统一社会信用代码"},
}


@router.get("/catalog", response_class=HTMLResponse, dependencies=[permit("public")])
def catalog_page(request: Request, catalog: CatalogDep,
                 nature: Annotated[str | None, Query(max_length=10)] = None,
                 category: Annotated[str | None, Query(max_length=16)] = None) -> HTMLResponse:
    """公共信用信息目录：按类别与性质浏览信息项。"""
    nature = nature if nature in NATURE_LABELS else None
    under = catalog.category_codes_under(category) if category in {c.code for c in catalog.categories} else None
    items = [i for i in catalog.items.values()
             if (nature is None or i.nature == nature) and (under is None or i.category in under)]
    out = CatalogOut.of(catalog, items)
    categories = [(c.code, ("\u3000" if c.parent else "") + c.name) for c in catalog.categories]
    return render(request, "catalog/catalog.html", cat=out, labels=LABELS, nature=nature or "", categories=categories,
                  category=category if under is not None else "")


@router.get("/catalog/items/{code}", response_class=HTMLResponse, dependencies=[permit("public")])
def item_page(code: str, request: Request, catalog: CatalogDep) -> HTMLResponse:
    """一个信息项：法律依据、公开方式与字段。"""
    item = catalog.item(code[:32])
    if item is None:
        raise NotFound("CATALOG_ITEM_UNKNOWN", "目录中没有该信息项")
    return render(request, "catalog/item.html", item=ItemOut.of(item, catalog), labels=LABELS,
                  departments=catalog.departments, columns=template.columns(item))


TEMPLATE_KINDS = {"csv": "text/csv; charset=utf-8",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/catalog/items/{code}/template.{kind}", dependencies=[permit("public")])
def item_template(code: str, kind: str, catalog: CatalogDep) -> Response:
    """信息项的报送模板（CSV 或 Excel）：中文表头（含公共列）、一行示例，Excel 模板带下拉选项与日期校验。"""
    item = catalog.item(code[:32])
    if item is None or kind not in TEMPLATE_KINDS:
        raise NotFound("CATALOG_ITEM_UNKNOWN", "目录中没有该信息项")
    body = template.template_csv(item) if kind == "csv" else template.template_xlsx(item)
    name = quote(f"{item.code}-{item.name}-模板.{kind}")
    return Response(body, media_type=TEMPLATE_KINDS[kind], headers={
        "Content-Disposition": f"attachment; filename=\"{item.code}-template.{kind}\"; filename*=UTF-8''{name}"})


@router.get("/catalog/supplement", response_class=HTMLResponse, dependencies=[permit("public")])
def supplement_page(request: Request, catalog: CatalogDep) -> HTMLResponse:
    """本地补充目录：与基础目录相比新增的领域、职业人群、部门和信息项，以及收窄公开方式的信息项。"""
    return render(request, "catalog/supplement.html", sup=getattr(request.app.state, "supplement", None),
                  catalog=catalog, labels=LABELS)


@router.get("/catalog/supplement.yaml", dependencies=[permit("public")])
def supplement_export(request: Request) -> Response:
    """本地补充目录原文（YAML），供向上级平台报送；响应头附 SHA-256 摘要便于核对。"""
    sup = getattr(request.app.state, "supplement", None)
    if sup is None:
        raise NotFound("CATALOG_SUPPLEMENT_NONE", "本平台未配置本地补充目录")
    name = quote(f"{sup.region_name}补充目录-{sup.version}.yaml")
    return Response(sup.text.encode(), media_type="application/yaml; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=\"supplement-{sup.region_code}.yaml\"; filename*=UTF-8''{name}",
        "X-Content-SHA256": sup.digest})
