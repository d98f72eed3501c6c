"""Plain ID numbers never reach the application's logs."""

from __future__ import annotations

import logging

from helpers import as_dept, as_role, cid, file_of, penalty, submit


def test_ids_never_appear_in_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    good, bad = cid(31), "110105194912310020"
    submit(client, [penalty(31, id_number=good), penalty(32, id_number=bad)])
    file_of(client, good)
    file_of(client, bad)
    client.put("/api/v1/organisations/91350100M000100Y43", headers=as_dept("tax"),
               json={"name": "某公司", "persons": [{"role": "legal_representative",
                                                  "id_number": bad, "name": "甲"}]})
    assert caplog.records, "expected the run to log something"
    assert good not in caplog.text and bad not in caplog.text


def test_unexpected_errors_are_problems_without_details(app, client, monkeypatch, caplog):
    from chengxin.creditfile import endpoints

    def boom(*args, **kwargs):
        raise RuntimeError(f"secret {cid(1)}")

    monkeypatch.setattr(endpoints, "build_file", boom)
    safe = type(client)(app, raise_server_exceptions=False)
    res = safe.post("/api/v1/files/query", json={"id_number": cid(1)},
                    headers=as_role("operator"))
    assert res.status_code == 500 and res.json()["code"] == "INTERNAL_ERROR"
    assert cid(1) not in res.text
    assert "RuntimeError" in caplog.text and cid(1) not in caplog.text
