"""Who may set a person's name, and when a differing name is a conflict: the pure rules."""

from __future__ import annotations

from chengxin.conflicts.rules import (
    name_outcome,
    open_key,
    plan_names,
    roles_json,
    roles_of_json,
    same_name,
    same_roles,
)


def test_names_compare_across_widths_spaces_dots_and_case():
    assert same_name("阿依古丽·买买提", "阿依古丽•买买提")
    assert same_name("阿依古丽·买买提", "阿依古丽．买买提")  # full-width full stop
    assert same_name(" 张三 ", "张三") and same_name("ＪＯＨＮ  Smith", "john smith")
    assert not same_name("张三", "张叁") and not same_name("张三", None) and same_name(None, None)


def test_a_department_never_renames_an_authority_always_does():
    assert name_outcome("张三", "submitted", "李四", "submitted") == "conflict"
    assert name_outcome("张三", None, "张 三", "submitted") == "same"
    assert name_outcome(None, None, "李四", "submitted") == "set"
    assert name_outcome("张三", "submitted", None, "submitted") == "same"
    assert name_outcome("张三", "submitted", "李四", "registry") == "set"
    assert name_outcome("张三", "submitted", "张三", "registry") == "set"  # the source is upgraded
    assert name_outcome("张三", "registry", "张三", "registry") == "same"
    assert name_outcome("李四", "office", "张三", "submitted") == "conflict"


def test_plan_names_applies_claims_in_order():
    plan = plan_names({"k1": ("张三", "submitted")}, [
        ("k1", "李四", "submitted"),  # conflict with 张三
        ("k2", "王五", "submitted"),  # new
        ("k2", "王六", "submitted"),  # conflict with the new person's first name
        ("k1", "赵七", "registry"),  # the registry sets it
        ("k1", "张三", "submitted"),  # now differs from the registry's name
    ])
    assert plan.created == {"k2": 1} and plan.updated == ["k1"]
    assert plan.names == {"k1": ("赵七", "registry"), "k2": ("王五", "submitted")}
    assert plan.conflicts == [(0, "张三"), (2, "王五"), (4, "赵七")]


def test_roles_compare_as_sets_and_open_keys_name_one_claim():
    a = [("k1", "legal_representative", "2020-01-01"), ("k2", "actual_controller", None)]
    b = [("k2", "actual_controller", "2021-05-01"), ("k1", "legal_representative", None)]
    assert same_roles(a, b) and not same_roles(a, a[:1])
    assert roles_of_json(roles_json(a)) == sorted(a)
    assert open_key("person_name", "tax", "李四") == open_key("person_name", "tax", "李四")
    assert open_key("person_name", "tax", "李四") != open_key("person_name", "court", "李四")


def test_which_name_the_registry_confirms():
    from chengxin.conflicts.rules import registry_confirms, registry_status, registry_summary

    assert registry_confirms("张三", "张叁", "张 三") == "platform"
    assert registry_confirms("张三", "张叁", "张叁") == "department"
    assert registry_confirms("张三", "张叁", "王五") == "neither"
    assert registry_confirms("张三", "张叁", None) is None
    assert [registry_status(c) for c in ("platform", "department", "neither")] == ["kept", "accepted", "corrected"]
    assert registry_summary(None, "张三", "张叁", None, "unavailable", "户籍核验服务超过 5 秒未答复") == (
        "户籍核验：未能核验（户籍核验服务超过 5 秒未答复）")
    assert registry_summary(None, "张三", "张叁", None, "not_found", None) == "户籍核验：户籍库中没有此号码"
