"""The serving app keeps the garbage collector off its long-lived objects, and lets go at shutdown."""

from __future__ import annotations

import gc
import weakref

from fastapi.testclient import TestClient

from chengxin.app import create_app


def _tracked(obj: object) -> bool:
    """Whether a full collection walks `obj` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


def test_a_serving_app_is_left_out_of_full_collections_and_can_be_collected_after_shutdown(settings, engine, keys):
    app = create_app(settings, engine=engine, keys=keys)
    route = app.router.routes[0]
    assert _tracked(route)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 0
        assert not _tracked(route) and not _tracked(app.state.catalog)
        made_while_serving = [object()]
        assert _tracked(made_while_serving)  # what requests make is collected as before
    assert gc.get_freeze_count() == 0 and _tracked(route)
    gone = weakref.ref(app)
    del app, route, client
    gc.collect()
    assert gone() is None  # not pinned by the freeze once the app has shut down


def test_bulk_work_collects_less_often_and_restores_the_thresholds_when_the_last_one_ends():
    from chengxin.heap import fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] >= 100_000 and gc.get_threshold()[1:] == before[1:]
        with fewer_collections():  # an import and a batch at once share the setting
            assert gc.get_threshold()[0] >= 100_000
        assert gc.get_threshold()[0] >= 100_000  # the other one still runs
    assert gc.get_threshold() == before
