"""Security hardening: CSP, login lockout, password rules, staff-only admin, cookies."""

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template import Context, Template
from django.urls import path

from reform.urls import urlpatterns as project_urlpatterns

from .conftest import make_task, make_unit, make_user


def _page_with_inline_script(request):
    template = Template('<script nonce="{{ request.csp_nonce }}">var ok = 1;</script>')
    return HttpResponse(template.render(Context({"request": request})))


# The project's URLs plus one page with a nonce'd inline script.
urlpatterns = [
    path("inline-script/", _page_with_inline_script),
    *project_urlpatterns,
]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def _script_src(response) -> str:
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return directives["script-src"]


def test_pages_send_a_csp_without_unsafe_inline_scripts(client, db):
    response = client.get("/admin/login/")
    script_src = _script_src(response)
    assert "'self'" in script_src
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/tasks/task/",
        "/admin/tasks/task/{task}/change/",
        "/admin/tasks/task/{task}/history/",
        "/admin/tasks/plan/",
        "/admin/tasks/plan/add/",
        "/admin/units/unit/",
        "/admin/ops/importlog/",
        "/admin/auth/user/add/",
    ],
)
def test_admin_pages_work_under_the_csp_without_inline_scripts(client, office_user, url):
    """The Django admin ships its JS as files, so the strict policy needs no relaxation."""
    office_user.is_superuser = True
    office_user.save()
    task = make_task(lead_units=[make_unit()])
    client.force_login(office_user)
    response = client.get(url.format(task=task.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_HANDLER.findall(html)
    assert "Content-Security-Policy" in response


@pytest.mark.urls("tests.test_security")
def test_an_inline_script_runs_only_with_the_per_request_nonce(client, db):
    first = client.get("/inline-script/")
    nonce = re.search(r'nonce="([^"]+)"', first.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in _script_src(first)
    second = client.get("/inline-script/")
    assert f"'nonce-{nonce}'" not in _script_src(second)


def _fail_logins(client, url, username, times):
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-password"})
        assert response.status_code == 200  # the form again, with an error
    return response


@pytest.mark.parametrize("login_url", ["/admin/login/", "/accounts/login/"])
def test_login_is_locked_after_five_failures_even_with_the_right_password(
    client, login_url, settings, db
):
    make_user(username="target", is_staff=True)
    _fail_logins(client, login_url, "target", settings.AXES_FAILURE_LIMIT - 1)
    locked = client.post(login_url, {"username": "target", "password": "wrong-password"})
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()
    again = client.post(login_url, {"username": "target", "password": "pw-for-tests-1"})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_user_name_so_colleagues_can_still_log_in(client, db, settings):
    make_user(username="target", is_staff=True)
    make_user(username="colleague", is_staff=True)
    _fail_logins(client, "/admin/login/", "target", settings.AXES_FAILURE_LIMIT - 1)
    client.post("/admin/login/", {"username": "target", "password": "wrong-password"})
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "colleague", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_password_spraying_from_one_address_is_locked_out(client, db, settings):
    """32 failures over 8 user names (4 each, under the per-name limit) from one address."""
    victim = make_user(username="victim", is_staff=True)
    names = [f"guess{n}" for n in range(8)]
    failures = 0
    for _ in range(4):
        for name in names:
            response = client.post("/admin/login/", {"username": name, "password": "Spring2026!"})
            failures += 1
            expected = 429 if failures >= settings.LOGIN_IP_FAILURE_LIMIT else 200
            assert response.status_code == expected, failures
    locked = client.post("/admin/login/", {"username": "victim", "password": "pw-for-tests-1"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # The victim on another address is not hurt by the attacker's lockout.
    elsewhere = client.post(
        "/admin/login/?next=/admin/",
        {"username": "victim", "password": "pw-for-tests-1"},
        REMOTE_ADDR="10.0.0.8",
    )
    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(victim.pk)


def test_a_successful_login_does_not_wipe_the_addresses_other_failures(client, db, settings):
    """An attacker holding one account must not reset the per-address count by logging in."""
    make_user(username="insider", is_staff=True)
    for n in range(settings.LOGIN_IP_FAILURE_LIMIT - 1):
        client.post("/admin/login/", {"username": f"guess{n}", "password": "wrong-password"})
    ok = client.post("/admin/login/", {"username": "insider", "password": "pw-for-tests-1"})
    assert ok.status_code == 302
    client.logout()
    locked = client.post("/admin/login/", {"username": "another", "password": "wrong-password"})
    assert locked.status_code == 429


def test_successful_login_resets_the_failure_count(client, db, settings):
    make_user(username="target", is_staff=True)
    _fail_logins(client, "/admin/login/", "target", settings.AXES_FAILURE_LIMIT - 1)
    ok = client.post("/admin/login/", {"username": "target", "password": "pw-for-tests-1"})
    assert ok.status_code == 302
    client.logout()
    _fail_logins(client, "/admin/login/", "target", settings.AXES_FAILURE_LIMIT - 1)
    ok = client.post("/admin/login/", {"username": "target", "password": "pw-for-tests-1"})
    assert ok.status_code == 302


def test_test_client_login_without_a_request_still_works(client, db):
    """Logins without an HTTP request (client.login, scripts) bypass the lockout backend."""
    make_user(username="scripted")
    assert client.login(username="scripted", password="pw-for-tests-1")


@pytest.mark.parametrize("weak", ["12345678", "password", "abc", "xxscjg-office"])
def test_weak_passwords_are_rejected(weak, db):
    user = make_user(username="xxscjg-office")
    with pytest.raises(ValidationError):
        validate_password(weak, user=user)


def test_a_long_uncommon_password_is_accepted(db):
    validate_password("Lian-Cheng-2026-reform", user=make_user())


def test_admin_is_closed_to_unit_users(client, db):
    unit_user = make_user(units=[make_unit()])
    client.force_login(unit_user)
    for url in ("/admin/", "/admin/tasks/task/", "/admin/ops/importlog/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_non_staff_cannot_log_in_to_the_admin(client, db):
    make_user(username="unituser")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "unituser", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_form_is_csrf_protected(db):
    from django.test import Client

    make_user(username="target", is_staff=True)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/admin/login/", {"username": "target", "password": "pw-for-tests-1"})
    assert response.status_code == 403


def test_session_and_csrf_cookies_are_httponly_and_samesite(client, office_user, settings):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": office_user.username, "password": "pw-for-tests-1"},
    )
    session_cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
