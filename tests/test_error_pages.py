"""Error pages a person may meet are in Chinese and lead back to their tasks."""

import pytest

from .conftest import make_unit, make_user

pytestmark = pytest.mark.django_db


def test_forbidden_and_missing_pages_speak_chinese(client):
    client.force_login(make_user(units=[make_unit()]))
    forbidden = client.get("/dashboard/")
    assert forbidden.status_code == 403
    assert "没有权限" in forbidden.content.decode()
    missing = client.get("/tasks/999999/")
    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode()
