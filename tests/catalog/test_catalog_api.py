"""The catalog's JSON API, on a tiny app that holds only the catalog router."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from chengxin.catalog.endpoints import router
from chengxin.catalog.rules import default_catalog
from chengxin.errors import install_handlers


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.state.catalog = default_catalog()
    install_handlers(app)
    app.include_router(router)
    return TestClient(app)


def test_catalog(client: TestClient) -> None:
    response = client.get("/api/v1/catalog")
    assert response.status_code == 200
    body = response.json()
    catalog = default_catalog()
    assert body["version"] == "2026.1"
    assert body["effective_date"] == "2026-11-01"
    assert len(body["items"]) == len(catalog.items)
    assert [c["code"] for c in body["categories"]] == [c.code for c in catalog.categories]
    assert {"code": "court", "name": "市中级人民法院"} in body["departments"]
    assert {"code": "id_number", "name": "证件号码"} in body["envelope"]
    debtor = next(i for i in body["items"] if i["code"] == "SFCP-01")
    assert debtor["list_type"] == "black"
    assert debtor["category_name"] == "司法裁判及执行"
    assert "fields" not in debtor


def test_filter_by_nature(client: TestClient) -> None:
    body = client.get("/api/v1/catalog", params={"nature": "positive"}).json()
    assert body["items"]
    assert {i["nature"] for i in body["items"]} == {"positive"}


def test_filter_by_parent_category_includes_children(client: TestClient) -> None:
    body = client.get("/api/v1/catalog", params={"category": "XZGL"}).json()
    assert {"XZCF", "XZXK"} <= {i["category"] for i in body["items"]}
    body = client.get("/api/v1/catalog", params={"category": "XZCF", "nature": "negative"}).json()
    assert body["items"] and {i["category"] for i in body["items"]} == {"XZCF"}


def test_filter_by_domain_and_occupation(client: TestClient) -> None:
    body = client.get("/api/v1/catalog", params={"occupation": "tour_guide"}).json()
    assert "XZCF-05" in {i["code"] for i in body["items"]}
    assert all("tour_guide" in i["occupations"] for i in body["items"])
    body = client.get("/api/v1/catalog", params={"domain": "tax"}).json()
    assert "YZSX-01" in {i["code"] for i in body["items"]}


def test_bad_filters(client: TestClient) -> None:
    response = client.get("/api/v1/catalog", params={"nature": "good"})
    assert response.status_code == 422
    assert response.json()["code"] == "REQUEST_INVALID"
    response = client.get("/api/v1/catalog", params={"domain": "nope"})
    assert response.status_code == 422
    assert response.json()["code"] == "CATALOG_FILTER_UNKNOWN"


def test_item(client: TestClient) -> None:
    response = client.get("/api/v1/catalog/items/XZCF-01")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "行政处罚信息"
    assert body["legal_basis"].startswith("《中华人民共和国行政处罚法》")
    by_name = {f["name"]: f for f in body["fields"]}
    assert by_name["penalty_type"]["type"] == "enum"
    assert "罚款" in by_name["penalty_type"]["values"]
    assert by_name["valid_until"]["allow_future"] is True


def test_unknown_item(client: TestClient) -> None:
    response = client.get("/api/v1/catalog/items/NOPE-99")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "CATALOG_ITEM_UNKNOWN"
    assert "NOPE-99" in body["detail"]


def test_openapi_documents_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/api/v1/catalog"]["get"]["summary"] == "公共信用信息目录"
    assert "/api/v1/catalog/items/{code}" in paths
