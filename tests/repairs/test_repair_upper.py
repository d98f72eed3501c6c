"""A repair application forwarded by an upper-level platform (R14, one window): signed by a configured
neighbour facing up, the applicant's ID sealed to this node; it lands in the deciding department's queue
with channel `upper` and the answer is a receipt signed by this node. Anyone else is refused."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from chengxin.clock import utcnow
from chengxin.exchange import feed
from chengxin.exchange import rules as xr
from chengxin.repairs import upper
from chengxin.signing import Signer, canonical_json, new_seed
from helpers import DEPT, as_person, cid, days_ago, error_code, own_record, penalty, submit

HERE, PROVINCE, COUNTY = "340400", "340000", "341021"


@pytest.fixture
def province(settings, tmp_path: Path, app) -> Iterator[Signer]:
    """This platform as the city node, with the province above it (and a county below)."""
    above, below = Signer.from_seed(new_seed()), Signer.from_seed(new_seed())
    (tmp_path / "neighbours.yaml").write_text(yaml.safe_dump({"neighbours": [
        {"code": PROVINCE, "name": "安徽省公共信用信息平台", "direction": "up", "mode": "service",
         "url": "http://127.0.0.1:9", "public_key": base64.b64encode(above.public_key()).decode()},
        {"code": COUNTY, "name": "凤台县公共信用信息平台", "direction": "down", "mode": "service",
         "url": "http://127.0.0.1:9", "public_key": base64.b64encode(below.public_key()).decode()},
    ]}, allow_unicode=True), encoding="utf-8")
    here = settings.model_copy(update={"node_code": HERE, "node_name": "淮南市公共信用信息平台"})
    feed.install(here)
    app.state.settings = here
    app.state.below = below
    yield above
    feed.install(None)


def _request(by: Signer, to_key: bytes, number: str, source: str, *, sender: str = PROVINCE) -> dict:
    body = {"type": upper.REQUEST_TYPE, "sender": sender, "receiver": HERE, "at": utcnow().isoformat(),
            "nonce": "n-1", "request_id": "AH-2026-000123",
            "target": {"department": "market_regulation", "source_record_id": source},
            "method": "fine_paid", "statement": "已于上月缴清全部罚款", "commitment": True,
            "evidence": [{"name": "缴款凭证.pdf", "sha256": "ab" * 32}]}
    sealed = xr.seal(json.dumps({"id_type": "citizen_id", "id_number": number}).encode(), to_key, canonical_json(body))
    return xr.sign_document({**body, "sealed": base64.b64encode(sealed).decode()}, by.sign)


def test_an_application_forwarded_from_above_goes_to_the_deciding_department(
        province, client, session, settings, keys, signer, app):
    number = cid(1861)
    assert submit(client, [penalty(1861, id_number=number, decision_date=days_ago(120))]).status_code == 201
    res = client.post("/api/v1/exchange/repairs", json=_request(province, signer.public_key(), number,
                                                                "SCJG-2026-001861"))
    assert res.status_code == 200, res.text
    receipt = xr.verify_signed(res.json(), upper.RECEIPT_TYPE, signer.public_key())
    assert (receipt["receiver"], receipt["department"], receipt["status"]) == (PROVINCE, "market_regulation",
                                                                               "submitted")
    queue = client.get("/api/v1/repairs", headers=DEPT).json()["repairs"]
    (r,) = [x for x in queue if x["id"] == receipt["repair_id"]]
    assert r["channel"] == "upper" and r["channel_label"] == "上级平台转来" and "缴款凭证.pdf" in r["statement"]
    person = as_person(session, settings, keys, number)
    assert own_record(client, person, "SCJG-2026-001861")["id"] == r["matter_id"]
    # Sent again, the same matter already has an application in progress.
    again = client.post("/api/v1/exchange/repairs", json=_request(province, signer.public_key(), number,
                                                                  "SCJG-2026-001861"))
    assert again.status_code == 409 and error_code(again) == "REPAIR_ALREADY_PENDING"


def test_a_request_not_signed_by_the_upper_neighbour_is_refused(province, client, signer, app):
    number = cid(1862)
    assert submit(client, [penalty(1862, id_number=number, decision_date=days_ago(120))]).status_code == 201
    stranger = Signer.from_seed(new_seed())
    forged = client.post("/api/v1/exchange/repairs", json=_request(stranger, signer.public_key(), number,
                                                                   "SCJG-2026-001862"))
    assert forged.status_code == 502 and error_code(forged) == "EXCHANGE_SIGNATURE_INVALID"
    below = client.post("/api/v1/exchange/repairs", json=_request(app.state.below, signer.public_key(), number,
                                                                  "SCJG-2026-001862", sender=COUNTY))
    assert below.status_code == 403 and error_code(below) == "EXCHANGE_NOT_UPPER"
    unknown = client.post("/api/v1/exchange/repairs", json=_request(province, signer.public_key(), number,
                                                                    "SCJG-2026-001862", sender="110000"))
    assert unknown.status_code == 403 and error_code(unknown) == "EXCHANGE_SENDER_UNKNOWN"
    assert client.get("/api/v1/repairs", headers=DEPT).json()["repairs"] == []
