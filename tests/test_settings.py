import pytest
from django.core.exceptions import ImproperlyConfigured

from reform.settings import env_bool, env_list


def test_boolean_env_accepts_common_spellings(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "0")
    assert env_bool("FLAG", True) is False


def test_boolean_env_rejects_unknown_values_loudly(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", False)


def test_host_list_is_split_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_admin_speaks_chinese_even_to_an_english_browser(client, office_user):
    client.force_login(office_user)
    response = client.get("/admin/tasks/task/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert "选择" in response.content.decode()
    assert "Select" not in response.content.decode()


def test_site_nav_offers_the_dashboard_to_leaders_only(client, leader_user):
    from .conftest import make_unit, make_user

    client.force_login(leader_user)
    assert "督办看板" in client.get("/").content.decode()
    client.force_login(make_user(units=[make_unit()]))
    page = client.get("/").content.decode()
    assert "我的任务" in page and "督办看板" not in page and "后台" not in page


def test_pages_and_admin_name_a_local_icon_so_browsers_do_not_ask_for_a_missing_one(
    client, office_user
):
    from django.contrib.staticfiles import finders

    assert finders.find("img/favicon.svg")
    icon = '<link rel="icon" href="/static/img/favicon.svg"'
    assert icon in client.get("/accounts/login/").content.decode()
    client.force_login(office_user)
    assert icon in client.get("/admin/").content.decode()


def test_postgresql_connections_run_without_jit_and_with_32mb_work_mem(monkeypatch):
    # JIT compiled the province dashboard's aggregates afresh on every request: 2.4 s of
    # the per-unit table's 3.2 s at 200,000 tasks. With 4MB of work_mem a drill-down's
    # overdue list took a nested loop of 1.6 s.
    from django.core.exceptions import ImproperlyConfigured

    from reform.settings import _database_config

    monkeypatch.setenv("DATABASE_URL", "postgres://reform@10.0.0.5:5432/reform")
    assert _database_config()["OPTIONS"]["options"] == "-c jit=off -c work_mem=32MB"
    monkeypatch.setenv("POSTGRES_WORK_MEM", "128MB")
    assert _database_config()["OPTIONS"]["options"] == "-c jit=off -c work_mem=128MB"
    monkeypatch.setenv("POSTGRES_WORK_MEM", "lots; DROP")
    with pytest.raises(ImproperlyConfigured, match="POSTGRES_WORK_MEM must be a size"):
        _database_config()
    monkeypatch.delenv("POSTGRES_WORK_MEM")
    monkeypatch.setenv(
        "DATABASE_URL", "postgres://reform@10.0.0.5:5432/reform?options=-c%20jit%3Don"
    )
    assert _database_config()["OPTIONS"]["options"] == "-c jit=on"
    monkeypatch.setenv("DATABASE_URL", "")
    assert "OPTIONS" not in _database_config()


def test_the_test_database_connection_has_jit_off_and_32mb_work_mem(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT is a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "32MB"
