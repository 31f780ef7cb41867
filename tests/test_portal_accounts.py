"""Log in, log out and change password with Django's auth views, in Chinese."""

import re

import pytest

from .conftest import make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"


def test_login_lands_on_my_tasks(client):
    user = make_user(units=[make_unit()])
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "我的任务" in response.content.decode()


def test_login_follows_next(client):
    user = make_user(units=[make_unit()])
    response = client.post(
        "/accounts/login/?next=/tasks/1/",
        {"username": user.username, "password": PASSWORD, "next": "/tasks/1/"},
    )
    assert response["Location"] == "/tasks/1/"


def test_wrong_password_is_explained_in_chinese(client):
    user = make_user()
    response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(client):
    client.force_login(make_user())
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?logged_out=1"
    assert "您已安全退出" in response.content.decode()
    assert client.get("/").status_code == 302
    assert "您已安全退出" not in client.get("/accounts/login/").content.decode()


def test_unit_user_changes_password(client):
    user = make_user(units=[make_unit()])
    client.force_login(user)
    assert "修改密码" in client.get("/accounts/password_change/").content.decode()
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Xiangxi-new-pw-2026",
            "new_password2": "Xiangxi-new-pw-2026",
        },
        follow=True,
    )
    assert "密码已修改" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("Xiangxi-new-pw-2026")


def test_password_change_errors_are_in_chinese(client):
    client.force_login(make_user(units=[make_unit()]))
    response = client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": "1234", "new_password2": "1234"},
    )
    errors = [str(e) for field in response.context["form"] for e in field.errors]
    assert "密码太短,至少需要 8 个字符。" in errors
    assert len(errors) >= 3 and not [e for e in errors if re.search("[A-Za-z]{4,}", e)]


def test_pages_use_no_inline_script_or_cdn(client):
    """A CSP without 'unsafe-inline' is coming (issue 7); intranets have no internet."""
    unit = make_unit()
    task = make_task(lead_units=[unit])
    client.force_login(make_user(units=[unit]))
    for url in ("/", f"/tasks/{task.pk}/", "/accounts/password_change/"):
        html = client.get(url).content.decode()
        assert "<script>" not in html and " onclick=" not in html and 'style="' not in html
        assert "http://" not in html.replace("http://testserver", "")
        assert "https://" not in html


def test_failed_login_states_the_lockout_rule_before_it_strikes(client, settings):
    settings.AXES_FAILURE_LIMIT = 4
    user = make_user()
    response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert "连续输错 4 次将暂停登录 15 分钟" in response.content.decode()


def test_lockout_page_leads_back_to_the_login_page(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    user = make_user()
    for _ in range(2):
        response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 429
    content = response.content.decode()
    assert "登录已暂时锁定" in content and 'href="/accounts/login/"' in content
