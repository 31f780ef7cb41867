"""The API's JSON renderer (orjson) writes exactly the bytes DRF's JSONRenderer writes:
on awkward values, on the dashboard API and on error bodies (issue 14, point 5)."""

import enum
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from regions.models import Region
from tasks.api.renderers import FastJSONRenderer
from tasks.choices import TaskStatus

from .conftest import governed


class Level(enum.IntEnum):
    CITY = 2


CONTROL_CHARACTERS = "".join(chr(code) for code in range(0x20))

VALUES = {
    "chinese": {
        "任务": "深化“放管服”改革,优化营商环境",
        "单位": ["市发展改革委", "市政务服务中心"],
    },
    "control characters": CONTROL_CHARACTERS + '"\\/\x7f',
    "line terminators": "第一行\u2028第二行\u2029第三段 \u2027",
    "outside the BMP": "𠀀 😀 \U0010ffff",
    "integers": [0, -1, 2**31, 2**63 - 1, -(2**63), True, False, None],
    "floats": [0.0, -0.0, 0.1, 1 / 3, 33.333333333333336, 100.0, 1e-4, 1e16, 1.5e300, 2.5e-3],
    "dates": [date(2021, 6, 30), date(999, 1, 1)],
    "datetimes": [
        datetime(2021, 6, 30, 8, 5, 3, 123456, tzinfo=UTC),
        datetime(2021, 6, 30, 8, 5, 3, tzinfo=timezone(timedelta(hours=8))),
        datetime(2021, 6, 30, 8, 5),
    ],
    "times": [time(8, 5), time(8, 5, 3, 250000)],
    "timedelta": timedelta(days=1, seconds=3),
    "decimal": Decimal("12.50"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy text": gettext_lazy("名称"),
    "error detail": {"title": [ErrorDetail("该字段不能为空。", code="blank")]},
    "choices": [TaskStatus.COMPLETED, Level.CITY],
    "ordered dict": OrderedDict([("b", 1), ("a", 2)]),
    "tuple and set": {"tuple": (1, "二"), "set": {3}},
    "bytes": b"abc",
    "empty": [{}, [], ""],
    "nested": {"a": [{"b": [{"c": [[], {}]}]}]},
    # Refused by orjson: rendered by DRF's renderer instead.
    "integer keys": {1: "a", 2: "b"},
    "huge integer": 2**64,
}


@pytest.mark.parametrize("name", VALUES)
def test_the_same_bytes_as_drf(name):
    value = VALUES[name]
    assert FastJSONRenderer().render(value) == JSONRenderer().render(value)


def test_line_terminators_are_escaped_as_drf_does():
    rendered = FastJSONRenderer().render({"text": "a\u2028b\u2029c"})
    assert rendered == b'{"text":"a\\u2028b\\u2029c"}'


def test_indented_output_and_no_data_are_drf_s():
    value = {"任务": [1, {"a": None}]}
    media_type = "application/json; indent=4"
    assert FastJSONRenderer().render(value, media_type) == JSONRenderer().render(value, media_type)
    assert b"\n    " in FastJSONRenderer().render(value, media_type)
    assert FastJSONRenderer().render(value, renderer_context={"indent": 2}) == (
        JSONRenderer().render(value, renderer_context={"indent": 2})
    )
    assert FastJSONRenderer().render(None) == b""


def test_what_drf_cannot_encode_fails_the_same_way():
    with pytest.raises(TypeError):
        JSONRenderer().render({"value": object()})
    with pytest.raises(TypeError):
        FastJSONRenderer().render({"value": object()})


def test_the_api_renders_with_it():
    assert api_settings.DEFAULT_RENDERER_CLASSES[0] is FastJSONRenderer


def assert_rendered_as_drf(response):
    assert response.content == JSONRenderer().render(response.data)


@pytest.mark.parametrize(
    "params", [{}, {"as_of": "2021-06-30", "plan_closed": "false"}, "drill_down"]
)
def test_dashboard_api_bytes_equal_drf_s(plans, leader_user, params):
    client = APIClient()
    client.force_authenticate(leader_user)
    if params == "drill_down":
        params = {"as_of": "2022-12-31", "region": Region.objects.get(code="430000").pk}
    response = client.get("/api/dashboard/", params)
    assert response.status_code == 200
    assert response.json()["by_unit"]
    assert_rendered_as_drf(response)


def test_city_office_dashboard_and_task_list_bytes_equal_drf_s(plans):
    client = APIClient()
    client.force_authenticate(governed("430300"))
    for url in ("/api/dashboard/", "/api/tasks/?page_size=1000", "/api/reports/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_rendered_as_drf(response)


def test_error_bodies_equal_drf_s(plans, leader_user):
    client = APIClient()
    client.force_authenticate(leader_user)
    for url in ("/api/dashboard/?as_of=yesterday", "/api/tasks/?lead_units=7"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert_rendered_as_drf(response)
