"""Who sees which notices, acknowledgements and scores: a unit its own, leaders all."""

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from supervision.choices import NoticeColour, NoticeStatus, PeriodKind
from supervision.models import AssessmentPeriod, EscalationNotice, TaskAcknowledgement
from supervision.services import assessment_publish, notice_issue
from tests.conftest import make_task, make_unit, make_user


@pytest.fixture
def world(db, office_user):
    unit_a, unit_b = make_unit("甲局"), make_unit("乙局")
    task_a = make_task(lead_units=[unit_a])
    task_b = make_task(lead_units=[unit_b])
    notices = {}
    for name, task, unit in (("a", task_a, unit_a), ("b", task_b, unit_b)):
        notices[name] = EscalationNotice.objects.create(
            task=task,
            unit=unit,
            colour=NoticeColour.RED,
            reason="逾期",
            proposed_on=date(2020, 7, 1),
        )
    notices["a_proposed"] = EscalationNotice.objects.create(
        task=task_a,
        unit=unit_a,
        colour=NoticeColour.BLUE,
        reason="临近",
        proposed_on=date(2020, 7, 1),
    )
    notice_issue(notices=[notices["a"], notices["b"]], user=office_user)
    period = AssessmentPeriod.objects.create(
        name="2020年度",
        kind=PeriodKind.YEAR,
        starts_on=date(2020, 1, 1),
        ends_on=date(2020, 12, 31),
    )
    assessment_publish(period=period, user=office_user, today=date(2021, 1, 1))
    return {
        "user_a": make_user(units=[unit_a]),
        "notices": notices,
        "period": period,
    }


def print_url(notice):
    return reverse("supervision:notice-print", args=[notice.pk])


def test_anonymous_is_sent_to_login(client, world):
    for url in (
        reverse("supervision:home"),
        print_url(world["notices"]["a"]),
        reverse("supervision:scores"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(settings.LOGIN_URL)


def test_unit_prints_its_own_issued_notice_only(client, world):
    client.force_login(world["user_a"])
    response = client.get(print_url(world["notices"]["a"]))
    assert response.status_code == 200
    assert settings.SUPERVISION_LETTERHEAD in response.content.decode()
    assert client.get(print_url(world["notices"]["b"])).status_code == 404
    assert client.get(print_url(world["notices"]["a_proposed"])).status_code == 404


def test_leader_prints_any_notice(client, world, leader_user):
    client.force_login(leader_user)
    assert client.get(print_url(world["notices"]["b"])).status_code == 200


def test_notice_api_is_scoped_to_the_unit(
    client, world, leader_user, django_assert_max_num_queries
):
    client.force_login(world["user_a"])
    # session, user, notices count, notices page
    with django_assert_max_num_queries(6):
        data = client.get("/api/supervision/notices/").json()
    assert [row["id"] for row in data["results"]] == [world["notices"]["a"].pk]
    client.force_login(leader_user)
    assert client.get("/api/supervision/notices/").json()["count"] == 3


def test_scores_page_shows_a_unit_only_its_own_row(client, world, leader_user):
    period = world["period"]
    client.force_login(world["user_a"])
    page = client.get(reverse("supervision:scores"), {"period": period.pk}).content.decode()
    assert "甲局" in page and "乙局" not in page
    api = client.get("/api/supervision/scores/").json()
    assert [row["unit_name"] for row in api["results"]] == ["甲局"]

    client.force_login(leader_user)
    page = client.get(reverse("supervision:scores"), {"period": period.pk}).content.decode()
    assert "甲局" in page and "乙局" in page


def test_units_do_not_see_unpublished_periods(client, world):
    draft = AssessmentPeriod.objects.create(
        name="2021年第一季度",
        kind=PeriodKind.QUARTER,
        starts_on=date(2021, 1, 1),
        ends_on=date(2021, 3, 31),
    )
    client.force_login(world["user_a"])
    assert client.get(reverse("supervision:scores"), {"period": draft.pk}).status_code == 404


def test_office_list_of_unacknowledged_tasks_is_not_for_units(client, world, office_user):
    client.force_login(world["user_a"])
    assert client.get(reverse("supervision:unacknowledged")).status_code == 403
    client.force_login(office_user)
    assert client.get(reverse("supervision:unacknowledged")).status_code == 200


def test_unit_cannot_answer_another_units_notice(client, world):
    client.force_login(world["user_a"])
    notice_b = world["notices"]["b"]
    response = client.post(
        reverse("supervision:answer", args=[notice_b.pk]),
        {"status": "in_progress", "progress": 10, "text": "冒充", "expected_version": 1},
    )
    assert response.status_code == 404
    notice_b.refresh_from_db()
    assert notice_b.status == NoticeStatus.ISSUED


def test_acknowledgement_api_follows_task_visibility(client, world, leader_user):
    notice_a, notice_b = world["notices"]["a"], world["notices"]["b"]
    for notice in (notice_a, notice_b):
        TaskAcknowledgement.objects.create(
            task=notice.task, unit=notice.unit, acknowledged_at=timezone.now()
        )
    client.force_login(world["user_a"])
    rows = client.get("/api/supervision/acknowledgements/").json()["results"]
    assert [row["task"] for row in rows] == [notice_a.task_id]
    client.force_login(leader_user)
    assert client.get("/api/supervision/acknowledgements/").json()["count"] == 2


def test_scores_page_query_count_does_not_grow_with_units(
    client, world, leader_user, django_assert_max_num_queries
):
    for _ in range(10):
        make_task(lead_units=[make_unit()])
    draft = AssessmentPeriod.objects.create(
        name="2020年第四季度",
        kind=PeriodKind.QUARTER,
        starts_on=date(2020, 10, 1),
        ends_on=date(2020, 12, 31),
    )
    client.force_login(leader_user)
    # session, user, groups, periods, rules, lead links, holidays (x3), reports, notices,
    # acknowledgements (x2), task history, report months, lead links, units, task labels
    with django_assert_max_num_queries(20):
        response = client.get(reverse("supervision:scores"), {"period": draft.pk})
    ranking = response.content.decode().split('<table class="scores">')[1].split("</table>")[0]
    assert ranking.count("<tr><td>") == 12


def test_unit_sees_its_rank_among_all_units_and_the_rules_behind_it(client, world):
    client.force_login(world["user_a"])
    page = client.get(reverse("supervision:scores"), {"period": world["period"].pk})
    content = page.content.decode()
    assert "甲局:第 <strong>1</strong> 名(共2个单位)" in content
    legend = content.split('<table class="legend">')[1].split("</table>")[0]
    assert "红色督办单数" in legend and "-5.00" in legend


def test_unit_excel_export_holds_only_its_own_row(client, world):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(world["user_a"])
    response = client.get(reverse("supervision:scores-xlsx"), {"period": world["period"].pk})
    sheet = load_workbook(BytesIO(response.content))["考评排名"]
    rows = sheet.iter_rows(min_row=2, values_only=True)
    units = [row[1] for row in rows if isinstance(row[0], int)]  # ranked rows, not the note
    assert units == ["甲局"]


def test_task_timeline_shows_a_shared_task_only_the_viewers_own_notices(
    client, office_user, leader_user
):
    unit_a, unit_b = make_unit("丙局"), make_unit("丁局")
    shared = make_task(lead_units=[unit_a, unit_b])
    for unit, reason in ((unit_a, "丙局未报送进展"), (unit_b, "丁局进度滞后")):
        notice = EscalationNotice.objects.create(
            task=shared, unit=unit, colour=NoticeColour.YELLOW, reason=reason
        )
        notice_issue(notices=[notice], user=office_user)
    url = reverse("portal:task-detail", args=[shared.pk])

    client.force_login(make_user(units=[unit_a]))
    page = client.get(url).content.decode()
    assert "丙局未报送进展" in page
    assert "丁局进度滞后" not in page

    client.force_login(leader_user)
    page = client.get(url).content.decode()
    assert "丙局未报送进展" in page and "丁局进度滞后" in page
