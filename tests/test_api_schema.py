"""The OpenAPI schema and its offline docs, and a bounded schemathesis run against them.

The fuzz run signs in as office staff with a token (the role that may call every
operation) and asserts that no request causes a 5xx and that every documented
response matches the schema.
"""

import re
from datetime import date

import pytest
import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from deadlines.models import DeadlineExtension, Milestone
from notifications.models import Notification
from reform.wsgi import application
from supervision.models import (
    AssessmentPeriod,
    AssessmentScore,
    EscalationNotice,
    Instruction,
    InstructionReceipt,
    PlanPublication,
    TaskAcknowledgement,
)
from tasks.models import ProgressReport, Section, Task
from units.models import UnitAlias

from .conftest import make_task, make_unit, make_user

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


HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.django_db
def test_every_field_query_parameter_and_operation_is_described_in_chinese(client):
    """Other systems' developers read the docs in Chinese: nothing is left undescribed."""
    document = client.get("/api/schema/", {"format": "json"}).json()
    undescribed = [
        f"{name}.{prop}"
        for name, component in document["components"]["schemas"].items()
        for prop, spec in component.get("properties", {}).items()
        if not HAN.search(spec.get("description", ""))
    ]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not HAN.search(operation.get("summary", "")):
                undescribed.append(f"{method} {path}")
            undescribed += [
                f"{method} {path} ?{parameter['name']}"
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "query" and not HAN.search(parameter.get("description", ""))
            ]
    assert undescribed == []


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
def fuzz_world(db, office_user, settings, keep_test_connection):
    """A token for the office, and one row behind every endpoint, so that the fuzzer's
    detail, update, delete and workflow requests reach real rows instead of only 404s.

    The fuzzer sends hundreds of requests a minute with one token: lift its throttle.
    """
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "token": "100000/minute"},
    }
    lead = make_unit("区商务局")
    member = make_user(units=[lead])
    task = make_task(number=1, lead_units=[lead], responsible_units=[make_unit()])
    section = Section.objects.create(
        plan=task.plan, numeral="一", title="优化营商环境", level=1, position=1
    )
    Task.objects.filter(pk=task.pk).update(section=section)
    milestone = Milestone.objects.create(
        deadline=task.deadline, due_on=date(2020, 3, 31), text="完成方案"
    )
    report = ProgressReport.objects.create(
        task=task, unit=lead, author=member, status="in_progress", progress=30, text="进展"
    )
    extension = DeadlineExtension.objects.create(
        deadline=task.deadline,
        previous_due_on=task.deadline.due_on,
        requested_due_on=date(2020, 9, 30),
        reason="疫情影响",
        unit=lead,
        requested_by=member,
    )
    now = timezone.now()
    notice = EscalationNotice.objects.create(
        task=task,
        unit=lead,
        colour="red",
        reason="逾期",
        status="issued",
        confirmed_at=now,
        confirmed_by=office_user,
    )
    acknowledgement = TaskAcknowledgement.objects.create(
        task=task, unit=lead, acknowledged_at=now, acknowledged_by=member
    )
    period = AssessmentPeriod.objects.create(
        name="2020年第二季度",
        kind="quarter",
        starts_on=date(2020, 4, 1),
        ends_on=date(2020, 6, 30),
        published_at=now,
    )
    score = AssessmentScore.objects.create(period=period, unit=lead, rank=1, total=100)
    publication = PlanPublication.objects.create(
        plan=task.plan, published_at=now, published_by=office_user
    )
    instruction = Instruction.objects.create(task=task, text="请加快推进", author=office_user)
    InstructionReceipt.objects.create(instruction=instruction, unit=lead)
    ids = {
        "plans": task.plan_id,
        "sections": section.pk,
        "tasks": task.pk,
        "task-units": task.task_units.first().pk,
        "reports": report.pk,
        "units": lead.pk,
        "unit-aliases": UnitAlias.objects.create(unit=lead, name="商务局").pk,
        "unit-memberships": member.unit_memberships.get().pk,
        "deadlines": task.deadline.pk,
        "milestones": milestone.pk,
        "extensions": extension.pk,
        "supervision/notices": notice.pk,
        "supervision/acknowledgements": acknowledgement.pk,
        "supervision/scores": score.pk,
        "supervision/publications": publication.pk,
        "supervision/instructions": instruction.pk,
        # the token's user reads only its own messages
        "notifications": Notification.objects.create(
            recipient=office_user, kind="reminder", title="提醒"
        ).pk,
    }
    # Foreign keys in request bodies and path parameters other than `id`.
    references = {
        "task_id": task.pk,
        "plan": task.plan_id,
        "section": section.pk,
        "parent": section.pk,
        "task": task.pk,
        "unit": lead.pk,
        "deadline": task.deadline.pk,
        "user": member.pk,
    }
    return {
        "token": Token.objects.create(user=office_user).key,
        "ids": ids,
        "references": references,
    }


def aim_at_real_rows(case, world):
    """Point the generated case at existing rows, keeping every other generated value.

    `version` becomes the task's current version so that updates and workflow actions
    can succeed (and be checked against their documented 2xx responses).
    """
    path = case.operation.path
    for name in case.path_parameters or {}:
        resource = path.removeprefix("/api/").split("/{")[0]
        pk = world["ids"].get(resource) if name == "id" else world["references"].get(name)
        if pk is not None:
            case.path_parameters[name] = pk
    if isinstance(case.body, dict):
        for name, pk in world["references"].items():
            if name in case.body:
                case.body[name] = pk
        if "version" in case.body:
            task = Task.objects.filter(pk=world["ids"]["tasks"]).first()
            case.body["version"] = task.version if task else 1


# Status codes seen by the fuzz run, per operation: asserted below so that a run that
# only ever meets 404s (the rows it aims at missing) cannot pass unnoticed.
SEEN_STATUS = {}


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
def test_api_conforms_to_its_schema(case, fuzz_world):
    aim_at_real_rows(case, fuzz_world)
    response = case.call_and_validate(
        headers={"Authorization": f"Token {fuzz_world['token']}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    SEEN_STATUS.setdefault(f"{case.method} {case.operation.path}", set()).add(response.status_code)


def test_fuzz_run_reached_real_rows_on_every_read():
    """Runs after the fuzz run (same module, file order): every GET met a 2xx at least once."""
    gets = {key: codes for key, codes in SEEN_STATUS.items() if key.startswith("GET ")}
    if not gets:
        pytest.skip("the fuzz run was deselected")
    missed = sorted(key for key, codes in gets.items() if not any(200 <= c < 300 for c in codes))
    assert not missed
    writes = {key: codes for key, codes in SEEN_STATUS.items() if not key.startswith("GET ")}
    succeeded = sorted(key for key, codes in writes.items() if any(200 <= c < 300 for c in codes))
    assert len(succeeded) >= len(writes) // 2, sorted(set(writes) - set(succeeded))


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
