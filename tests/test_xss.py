"""User-written text (unit names, task titles, report text, notice reasons, contacts, plan
titles) renders escaped on every page that shows it: portal, supervision, dashboard,
bulletin. The admin and the API are covered in test_security_inputs.py."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from supervision.models import (
    AssessmentPeriod,
    EscalationNotice,
    PlanPublication,
    TaskAcknowledgement,
)
from tasks.models import ProgressReport

from .conftest import make_plan, make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile():
    unit = make_unit(name=f"单位{XSS}")
    plan = make_plan(title=f"方案{XSS}")
    task = make_task(plan=plan, lead_units=[unit], due_on=date(2021, 3, 31))
    task.title = f"任务{XSS}"
    task.save()
    user = make_user(units=[unit])
    ProgressReport.objects.create(
        task=task, unit=unit, author=user, status=task.status, progress=10, text=f"进展{XSS}"
    )
    PlanPublication.objects.create(plan=plan, published_at=timezone.now() - timedelta(days=30))
    make_task(plan=plan, lead_units=[unit])  # published a month ago, never acknowledged
    TaskAcknowledgement.objects.create(
        task=task,
        unit=unit,
        acknowledged_at=timezone.now(),
        responsible_person=f"张三{XSS}",
        phone="123<script>alert(1)</script>",  # fits the 50-character column
    )
    notice = EscalationNotice.objects.create(
        task=task,
        unit=unit,
        colour="red",
        reason=f"逾期{XSS}",
        status="issued",
        confirmed_at=timezone.now(),
    )
    return {"task": task, "user": user, "notice": notice}


def assert_escaped(html: str, where: str):
    assert "<script>alert" not in html, where
    assert "<img src=x" not in html, where
    assert "&lt;script&gt;" in html, where


def test_unit_user_pages_escape_user_text(client, hostile):
    client.force_login(hostile["user"])
    task, notice = hostile["task"], hostile["notice"]
    for url in (
        "/",
        f"/tasks/{task.pk}/",
        "/supervision/",
        f"/supervision/notices/{notice.pk}/print/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), url)


def test_office_supervision_pages_escape_user_text(client, hostile, office_user):
    AssessmentPeriod.objects.create(
        name="2021年第一季度", kind="quarter", starts_on=date(2021, 1, 1), ends_on=date(2021, 3, 31)
    )
    client.force_login(office_user)
    for url in ("/supervision/unacknowledged/", "/supervision/scores/"):
        html = client.get(url).content.decode()
        assert "单位&lt;script&gt;" in html, url  # the hostile unit is listed, and escaped
        assert_escaped(html, url)


def test_dashboard_and_bulletin_show_the_hostile_names_escaped(client, hostile, leader_user):
    client.force_login(leader_user)
    for url in ("/dashboard/?as_of=2021-05-01", "/dashboard/bulletin/?as_of=2021-05-01"):
        html = client.get(url).content.decode()
        assert "单位&lt;script&gt;" in html, url  # the unit is listed, and escaped
        assert_escaped(html, url)
