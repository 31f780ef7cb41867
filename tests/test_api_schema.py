"""The OpenAPI schema and its offline docs, and a bounded schemathesis run against them.

The fuzz run signs in as office staff with a token (the role that may call every
operation) and asserts that no request causes a 5xx and that every documented
response matches the schema.
"""

import re

import pytest
import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from reform.wsgi import application

from .conftest import make_task, make_unit

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.mark.django_db
def test_schema_is_openapi_3_with_chinese_field_descriptions(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    task = document["components"]["schemas"]["Task"]["properties"]
    assert task["lead_units"]["description"] == "牵头单位"
    assert task["due_on"]["description"] == "完成时限"
    assert "乐观锁" in task["version"]["description"]
    task_params = {p["name"] for p in document["paths"]["/api/tasks/"]["get"]["parameters"]}
    assert {
        "plan", "section", "lead_unit", "responsible_unit", "unit", "status", "overdue",
        "as_of", "due_before", "due_after", "q", "has_lead", "ordering",
    } <= task_params  # fmt: skip


def test_schema_generates_valid_and_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )


@pytest.mark.django_db
def test_docs_are_served_from_the_project_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn." not in html and "unpkg" not in html and "https://" not in html


@pytest.mark.django_db
def test_docs_run_under_the_content_security_policy(client):
    """No inline script: the CSP (script-src 'self' + nonce) would block Swagger UI."""
    response = client.get("/api/docs/")
    html = response.content.decode()
    directives = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert "'unsafe-inline'" not in directives["script-src"]
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or "nonce=" in tag, tag
    init_script = re.search(r'<script src="([^"]*\?script=[^"]*)"', html).group(1)
    assert client.get(init_script.replace("&amp;", "&")).status_code == 200


@pytest.fixture
def keep_test_connection():
    """The fuzzer calls the WSGI application directly. Like Django's test client, stop the
    request signals from closing the connection that holds the test's transaction
    (PostgreSQL would otherwise answer "connection already closed")."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def office_token(db, office_user, settings, keep_test_connection):
    """A token for the office, and a little data so that list endpoints return rows.

    The fuzzer sends hundreds of requests a minute with one token: lift its throttle.
    """
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "token": "100000/minute"},
    }
    lead = make_unit("区商务局")
    make_task(number=1, lead_units=[lead], responsible_units=[make_unit()])
    return Token.objects.create(user=office_user).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=8,
    phases=[Phase.generate],
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api_conforms_to_its_schema(case, office_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {office_token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )


def test_token_clients_are_throttled(db, office_user, settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "token": "2/minute"},
    }
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=office_user).key}")
    codes = [client.get("/api/plans/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/api/plans/").json()["code"] == "throttled"
    cache.clear()


def test_browser_sessions_are_not_throttled(db, office_user, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "token": "1/minute"},
    }
    client = APIClient()
    client.force_login(office_user)
    assert [client.get("/api/plans/").status_code for _ in range(3)] == [200, 200, 200]


def test_anonymous_callers_are_throttled(db, settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "token": "1/minute"},
    }
    client = APIClient()
    codes = [client.get("/api/schema/").status_code for _ in range(2)]
    assert codes == [200, 429]
    cache.clear()
