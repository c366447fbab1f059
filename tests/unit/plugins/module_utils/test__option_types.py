"""Option values converted to an argument spec's types, errors naming the option, no_log values never shown."""
import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils import _option_types

SPEC = {
    "name": {"type": "str"},
    "count": {"type": "int"},
    "token": {"type": "str", "no_log": True},
    "settings": {"type": "dict", "no_log": True, "options": {"password": {"type": "str"}, "port": {"type": "int"}}},
    "targets": {"type": "dict", "options": {"devices": {"type": "list", "elements": "str"},
                                            "limit": {"type": "int"}}},
    "rules": {"type": "list", "elements": "dict", "options": {"percent": {"type": "float"}}},
    "ports": {"type": "list", "elements": "int"},
    "anything": {"type": "raw"},
    "upper": {"type": lambda value: value.upper() if isinstance(value, str) else int("not a string")},
}


def test_converts_like_ansible_module_and_leaves_the_input_alone():
    params = {"count": "3", "targets": "devices=a", "ports": "80,443", "rules": [{"percent": "2.5"}],
              "upper": "abc", "anything": object, "unknown": "kept", "name": None}
    converted, errors = _option_types.convert(SPEC, params)
    assert errors == []
    assert converted["count"] == 3 and converted["ports"] == [80, 443] and converted["upper"] == "ABC"
    assert converted["targets"] == {"devices": ["a"]}  # key=value, then the suboption's list
    assert converted["rules"] == [{"percent": 2.5}] and converted["anything"] is object
    assert converted["unknown"] == "kept" and converted["name"] is None
    assert params["count"] == "3" and params["targets"] == "devices=a"


@pytest.mark.parametrize("params, start, end", [
    ({"targets": "abc"}, "targets: dictionary requested, could not parse JSON or key=value", " (got 'abc')"),
    ({"count": "many"}, "count: ", "int (got 'many')"),
    ({"targets": {"limit": "x"}}, "targets.limit: ", "int (got 'x')"),
    ({"ports": [80, "http"]}, "ports[1]: ", "int (got 'http')"),
    ({"rules": [{"percent": 1}, {"percent": "half"}]}, "rules[1].percent: ", "float (got 'half')"),
    ({"upper": 5}, "upper: invalid literal for int()", "(got 5)"),
], ids=["dict", "int", "suboption", "element", "element-suboption", "callable"])
def test_every_error_names_the_option_and_the_value(params, start, end):
    dummy, errors = _option_types.convert(SPEC, params)
    assert len(errors) == 1 and errors[0].startswith(start) and errors[0].endswith(end), errors


def test_all_errors_together():
    dummy, errors = _option_types.convert(SPEC, {"count": "x", "targets": "abc", "ports": ["y"]})
    assert [error.split(":", 1)[0] for error in errors] == ["count", "targets", "ports[0]"]


def test_long_values_are_cut():
    dummy, errors = _option_types.convert(SPEC, {"count": "9" * 30 + "x" * 1000})
    assert errors[0].startswith("count: ") and errors[0].endswith("...)") and len(errors[0]) < 300


def test_no_log_values_are_never_shown():
    dummy, errors = _option_types.convert(SPEC, {"token": ["s3cret"], "settings": {"password": "pw", "port": "p0rt"}})
    assert errors == ["settings.port: expected int (the value is not shown: no_log)"]  # token: a str, converted
    dummy, errors = _option_types.convert(SPEC, {"settings": "s3cret-string"})
    assert errors == ["settings: expected dict (the value is not shown: no_log)"]


def test_no_log_values_are_collected_where_ansible_core_gives_up():
    values = _option_types.no_log_values(SPEC, {"token": "t0ken", "settings": {"password": "pw", "port": 1},
                                                "targets": "abc", "name": "public"})
    assert values == {"t0ken", "pw", "1"}
    nested = {"outer": {"type": "list", "elements": "dict", "options": {"key": {"type": "str", "no_log": True}}}}
    assert _option_types.no_log_values(nested, {"outer": [{"key": "k1"}, "not-a-dict", {"key": None}]}) == {"k1"}
