"""Bulk supervision (issue 14): notices proposed in bulk are exactly those the row-by-row
path creates, with their history; scores are counted in SQL."""

from datetime import date

import pytest
from django.db import transaction

from supervision import services
from supervision.models import AssessmentPeriod, EscalationNotice
from supervision.services import notice_proposals, notices_propose

from .test_jobs import run_worker
from .test_supervision_assessment import known_data  # noqa: F401  (a fixture)

AS_OF = date(2021, 12, 31)
FIELDS = ("task_id", "unit_id", "colour", "reason", "status", "proposed_on")


def snapshot() -> list[tuple]:
    notices = sorted(EscalationNotice.objects.values_list(*FIELDS))
    history = sorted(EscalationNotice.history.values_list(*FIELDS, "history_type", "history_user"))
    return notices, history


def test_bulk_proposal_creates_the_same_notices_and_history_as_row_by_row(imported_plans):
    with transaction.atomic():
        for notice in notice_proposals(as_of=AS_OF):
            notice.full_clean()  # the former path: every rule, one save (and history) each
            notice.save()
        row_by_row = snapshot()
        transaction.set_rollback(True)
    assert EscalationNotice.objects.count() == 0

    created = notices_propose(as_of=AS_OF)

    assert snapshot() == row_by_row
    assert len(created) == len(row_by_row[0]) > 100  # the five plans give a real batch
    assert all(notice.pk for notice in created)
    assert {h[-2] for h in row_by_row[1]} == {"+"}
    assert notices_propose(as_of=AS_OF) == []  # still idempotent


def test_bulk_proposal_writes_one_insert_per_batch(
    imported_plans, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(services, "NOTICE_BATCH", 50)
    expected = len(notice_proposals(as_of=AS_OF))
    # Reading (tasks, lead and member links, overdue ids, members' latest reports,
    # completions, earlier notices) and two INSERTs (notices, history) per batch of 50, plus
    # the savepoint; never one per notice.
    batches = -(-expected // 50)
    with django_assert_max_num_queries(11 + 2 * batches):
        created = notices_propose(as_of=AS_OF)
    assert len(created) == expected


def test_scores_count_report_months_per_task_in_sql(imported_plans, office_user):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from supervision.choices import AssessmentRuleKind
    from tasks.choices import TaskStatus
    from tasks.models import ProgressReport, Task
    from units.choices import UnitRole

    period = AssessmentPeriod.objects.create(
        name="2021年度", starts_on=date(2021, 1, 1), ends_on=date(2021, 12, 31)
    )
    task = Task.objects.filter(plan__year=2021, task_units__role=UnitRole.LEAD).first()
    unit = task.task_units.filter(role=UnitRole.LEAD).first().unit
    shanghai = ZoneInfo("Asia/Shanghai")
    # Two reports in March (one month), one on 1 April 00:30 Beijing time (still 31 March
    # in UTC: the month is the local one), one in 2020 (outside the period).
    moments = [
        datetime(2021, 3, 2, 9, tzinfo=shanghai),
        datetime(2021, 3, 30, 9, tzinfo=shanghai),
        datetime(2021, 4, 1, 0, 30, tzinfo=shanghai),
        datetime(2020, 12, 30, 9, tzinfo=shanghai),
    ]
    for moment in moments:
        report = ProgressReport.objects.create(
            task=task, unit=unit, status=TaskStatus.IN_PROGRESS, progress=10, text="推进中"
        )
        ProgressReport.objects.filter(pk=report.pk).update(created_at=moment)
    tally = services._tally(period, date(2022, 1, 10))
    assert tally.count(AssessmentRuleKind.MONTHLY_REPORT, unit.pk) == 2


@pytest.mark.usefixtures("known_data")
def test_scores_page_is_served_from_the_cache_until_an_input_changes(
    client, office_user, settings, django_assert_max_num_queries
):
    from decimal import Decimal

    from django.utils import timezone

    from supervision.choices import NoticeStatus
    from supervision.services import assessment_compute, notice_issue

    settings.DASHBOARD_CACHE_SECONDS = 300
    from units.models import Unit

    period, unit_b = AssessmentPeriod.objects.get(), Unit.objects.get(name="乙局")
    client.force_login(office_user)

    def totals(response):
        return {row.unit.name: row.total for row in response.context["rows"]}

    first = client.get("/supervision/scores/", {"period": period.pk})
    uncached = {s.unit.name: s.total for s in assessment_compute(period=period)}
    assert totals(first) == uncached == {"甲局": Decimal("107"), "乙局": Decimal("93")}
    with django_assert_max_num_queries(8):  # session, user, groups, periods: no score query
        second = client.get("/supervision/scores/", {"period": period.pk})
    assert totals(second) == uncached

    # Issuing the proposed yellow notice (dated in the period) costs 乙局 three points.
    proposed = EscalationNotice.objects.filter(status=NoticeStatus.PROPOSED)
    notice_issue(notices=proposed, user=office_user)
    proposed.model.objects.filter(unit=unit_b, colour="yellow").update(
        confirmed_at=timezone.make_aware(timezone.datetime(2020, 8, 1, 10))
    )
    # (the .update() above moves the date into the period; the issue already invalidated)
    third = client.get("/supervision/scores/", {"period": period.pk})
    assert totals(third) == {s.unit.name: s.total for s in assessment_compute(period=period)}
    assert totals(third)["乙局"] == Decimal("90")


@pytest.mark.usefixtures("known_data")
def test_a_change_schedules_one_background_refresh_that_stores_the_new_ranking(
    client, office_user, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from supervision.choices import NoticeStatus
    from supervision.services import notice_issue
    from supervision.tasks import scores_refresh

    settings.DASHBOARD_CACHE_SECONDS = 300
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    period = AssessmentPeriod.objects.get()
    client.force_login(office_user)
    client.get("/supervision/scores/", {"period": period.pk})  # cached: 乙局 93

    # Two changes in one burst: one refresh is scheduled, 30 s later.
    with django_capture_on_commit_callbacks(execute=True):
        notice_issue(notices=EscalationNotice.objects.filter(status="proposed"), user=office_user)
    with django_capture_on_commit_callbacks(execute=True):
        EscalationNotice.objects.filter(status=NoticeStatus.ISSUED).update(
            confirmed_at=EscalationNotice.objects.order_by("confirmed_at")
            .values_list("confirmed_at", flat=True)
            .first()
        )
        EscalationNotice.objects.get(colour="yellow").save()  # a save: the signal fires
    scheduled = DBTaskResult.objects.filter(task_path=scores_refresh.module_path)
    assert scheduled.count() == 1 and scheduled.get().run_after is not None
    scheduled.update(run_after=timezone.now() - timedelta(seconds=1))  # no 30 s wait here

    run_worker()
    assert scheduled.get().status == "SUCCESSFUL"

    # The page now reads the refreshed ranking from the cache: no score computation.
    def no_compute(**kwargs):
        raise AssertionError("computed on view")

    monkeypatch.setattr("supervision.scores_export.assessment_compute", no_compute)
    page = client.get("/supervision/scores/", {"period": period.pk})
    totals = {row.unit.name: row.total for row in page.context["rows"]}
    assert totals["乙局"] == Decimal("90")
