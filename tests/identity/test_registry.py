"""The population registry adapters: the demo registry's verdicts and the HTTP gateway's, over a real
HTTP server (timeouts and errors are answers, never exceptions)."""

from __future__ import annotations

import threading

import pytest

from chengxin import clock
from chengxin.demo.synth import registered_name, synthetic_person
from chengxin.errors import DomainError
from chengxin.identity.registry import DemoRegistry, GatewayRegistry, population_registry
from helpers import cid
from registry_gateway import gateway, registry_of


def test_the_demo_registry_holds_the_names_the_demo_generator_gives():
    import random

    rng = random.Random(7)
    number, name, _, _ = synthetic_person(rng, ["110105"], clock.today(), set())
    assert name == registered_name(number)
    before = clock.utcnow()
    verdict = DemoRegistry().verify("citizen_id", number, name)
    assert (verdict.result, verdict.name, verdict.demo, verdict.source) == ("match", None, True, "演示户籍库")
    assert before <= verdict.at <= clock.utcnow()  # the time of the answer, on the platform's clock


def test_the_demo_registry_says_when_a_name_differs_and_gives_its_own():
    held = registered_name(cid(3))
    assert DemoRegistry().verify("citizen_id", cid(3), f"{held} ").result == "match"  # compared as names are
    verdict = DemoRegistry().verify("citizen_id", cid(3), held + "某")
    assert (verdict.result, verdict.name) == ("name_differs", held)
    assert registered_name(cid(3)) == held  # deterministic: the same number, the same name


def test_the_demo_registry_does_not_hold_other_documents_or_invalid_numbers():
    passport = DemoRegistry().verify("passport", "E12345678", "张三")
    assert (passport.result, passport.reason) == ("not_found", "演示户籍库只登记居民身份证号码")
    wrong = DemoRegistry().verify("citizen_id", cid(3)[:17] + ("0" if cid(3)[17] != "0" else "1"), "张三")
    assert wrong.result == "not_found" and wrong.name is None


def test_the_gateway_posts_the_question_and_reads_the_answer():
    with gateway(registry_of({cid(1): "张三"})) as (url, seen):
        registry = GatewayRegistry(url, timeout=5)
        match = registry.verify("citizen_id", cid(1), "张三")
        differs = registry.verify("citizen_id", cid(1), "张叁")
        missing = registry.verify("citizen_id", cid(2), "李四")
    assert seen[0] == {"id_type": "citizen_id", "id_number": cid(1), "name": "张三"}
    assert (match.result, match.demo, match.source) == ("match", False, "人口基础信息库")
    assert (differs.result, differs.name) == ("name_differs", "张三")
    assert (missing.result, missing.name) == ("not_found", None)


def test_a_gateway_error_or_an_answer_it_cannot_read_is_unavailable(caplog):
    with gateway(lambda asked: (500, b"{}")) as (url, _):
        failed = GatewayRegistry(url, timeout=5).verify("citizen_id", cid(1), "张三")
    assert (failed.result, failed.reason) == ("unavailable", "户籍核验服务答复出错（HTTP 500）")
    with gateway(lambda asked: (200, b'{"result": "maybe"}')) as (url, _):
        odd = GatewayRegistry(url, timeout=5).verify("citizen_id", cid(1), "张三")
    assert (odd.result, odd.reason) == ("unavailable", "户籍核验服务的答复无法识别")
    with gateway(lambda asked: (200, b"not json")) as (url, _):
        assert GatewayRegistry(url, timeout=5).verify("citizen_id", cid(1), "张三").result == "unavailable"
    assert cid(1) not in caplog.text  # the log says what failed, never whose number


def test_a_gateway_that_does_not_answer_in_time_is_unavailable():
    release = threading.Event()

    def slow(asked):
        release.wait(5)  # longer than the client waits; released at the end so the server stops at once
        return 200, b'{"result": "match"}'

    with gateway(slow) as (url, _):
        verdict = GatewayRegistry(url, timeout=0.2).verify("citizen_id", cid(1), "张三")
        release.set()
    assert (verdict.result, verdict.reason) == ("unavailable", "户籍核验服务超过 0.2 秒未答复")


def test_a_gateway_that_cannot_be_reached_is_unavailable():
    with gateway(registry_of({})) as (url, _):
        pass  # stopped: nothing listens there any more
    verdict = GatewayRegistry(url, timeout=1).verify("citizen_id", cid(1), "张三")
    assert (verdict.result, verdict.reason) == ("unavailable", "无法连接户籍核验服务")


def test_the_setting_names_the_registry():
    assert population_registry("none", 5) is None
    assert isinstance(population_registry("demo", 5), DemoRegistry)
    assert isinstance(population_registry("https://hjk.example.gov.cn/verify", 5), GatewayRegistry)
    assert isinstance(population_registry("http://127.0.0.1:9000/verify", 5), GatewayRegistry)
    for wrong in ("http://hjk.example.gov.cn/verify", "ftp://x", "real"):
        with pytest.raises(DomainError) as err:
            population_registry(wrong, 5)
        assert err.value.code == "CONFIG_POPULATION_REGISTRY"


def test_a_wrong_setting_stops_the_settings_from_loading():
    from pydantic import ValidationError

    from chengxin.settings import Settings

    with pytest.raises(ValidationError, match="户籍核验网关的 https 地址"):
        Settings(population_registry="http://hjk.example.gov.cn/verify")
    assert Settings(population_registry="none").population_registry == "none"
