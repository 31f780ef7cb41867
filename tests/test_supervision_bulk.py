"""Bulk supervision (issue 14): notices proposed in bulk are exactly those the row-by-row
path creates, with their history; scores are counted in SQL."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from regions.models import Region
from supervision import services
from supervision.choices import NoticeColour
from supervision.models import AssessmentPeriod, EscalationNotice
from supervision.notice_rules import NoticeProposal
from supervision.services import notice_issue, notice_proposals, notices_propose

from .test_handdown_notices import handed_down  # noqa: F401  (a fixture)
from .test_jobs import run_worker
from .test_supervision_assessment import known_data  # noqa: F401  (a fixture)

AS_OF = date(2021, 12, 31)
FIELDS = ("task_id", "unit_id", "colour", "reason", "status", "proposed_on")


def snapshot() -> list[tuple]:
    notices = sorted(EscalationNotice.objects.values_list(*FIELDS))
    history = sorted(
        EscalationNotice.history.values_list(
            *FIELDS, "history_type", "history_user", "history_change_reason"
        )
    )
    return notices, history


def row_by_row(*, as_of=AS_OF, region_ids=None, user=None) -> list[tuple]:
    """The former path, rolled back: every rule of full_clean() and one save (and history
    row, by the model's signal) per notice; the snapshot it leaves."""
    with transaction.atomic():
        for notice in notice_proposals(as_of=as_of, region_ids=region_ids):
            notice.full_clean()
            if user is not None:
                notice._history_user = user
            notice.save()
        result = snapshot()
        transaction.set_rollback(True)
    return result


def test_bulk_proposal_creates_the_same_notices_and_history_as_row_by_row(imported_plans):
    expected = row_by_row()
    assert EscalationNotice.objects.count() == 0

    created = notices_propose(as_of=AS_OF)

    assert snapshot() == expected
    assert len(created) == len(expected[0]) > 100  # the five plans give a real batch
    assert all(notice.pk and not notice._state.adding for notice in created)
    assert {h[-3] for h in expected[1]} == {"+"}
    # Each history row is dated when its notice was proposed.
    for notice in EscalationNotice.objects.all()[:20]:
        assert notice.history.get().history_date == notice.proposed_at
    assert notices_propose(as_of=AS_OF) == []  # still idempotent


def test_bulk_proposal_equals_row_by_row_for_members_earlier_notices_a_region_and_a_user(
    handed_down,  # noqa: F811  (the fixture imported above)
    office_user,
):
    """Handed-down members judged on their own reports, notices issued earlier (not proposed
    again), one government's tasks, and the office as the history's user."""
    earlier = notices_propose(as_of=date(2021, 6, 30))
    notice_issue(notices=earlier[::2], user=office_user)
    # The handed-down task's own notices come in the run compared below.
    EscalationNotice.objects.filter(task=handed_down).delete()
    hunan = [Region.objects.get(code="430000").pk]
    expected = row_by_row(as_of=date(2022, 1, 10), region_ids=hunan, user=office_user)

    created = notices_propose(as_of=date(2022, 1, 10), region_ids=hunan, user=office_user)

    assert snapshot() == expected
    assert any(notice.task_id == handed_down.pk for notice in created)
    members = {
        link.unit_id for link in handed_down.task_units.filter(collective_link__isnull=False)
    }
    assert members & {notice.unit_id for notice in created}
    assert {notice.history.get().history_user for notice in created} == {office_user}


@pytest.mark.parametrize(
    "proposal",
    [NoticeProposal("purple", "颜色不在选项中"), NoticeProposal(NoticeColour.RED, "")],
    ids=["unknown colour", "empty reason"],
)
def test_bulk_proposal_refuses_what_full_clean_refuses(imported_plans, monkeypatch, proposal):
    monkeypatch.setattr(services, "notice_colour", lambda **kwargs: proposal)
    with pytest.raises(ValidationError):
        notices_propose(as_of=AS_OF)
    assert not EscalationNotice.objects.exists()
    assert not EscalationNotice.history.exists()


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
def test_scores_page_is_served_from_the_cache_and_after_a_change_until_the_job_recomputes(
    client, office_user, settings, django_assert_max_num_queries
):
    from decimal import Decimal

    from django.utils import timezone

    from supervision.choices import NoticeStatus
    from supervision.services import assessment_compute, notice_issue
    from supervision.tasks import scores_refresh

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
    # Until the scores job has run, the page shows the ranking it last computed, and says
    # so: a province's ranking takes seconds to compute, not a view's wait.
    third = client.get("/supervision/scores/", {"period": period.pk})
    assert totals(third) == uncached and totals(third)["乙局"] == Decimal("93")
    assert "后台正在按最新数据重新计算" in third.content.decode()
    scores_refresh.call()
    fourth = client.get("/supervision/scores/", {"period": period.pk})
    assert totals(fourth) == {s.unit.name: s.total for s in assessment_compute(period=period)}
    assert totals(fourth)["乙局"] == Decimal("90")
    assert "正在按最新数据重新计算" not in fourth.content.decode()


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


@pytest.mark.usefixtures("known_data")
def test_the_first_view_of_a_new_day_shows_the_last_ranking_and_schedules_the_job(
    client, office_user, settings, monkeypatch
):
    """An open period's ranking is keyed by the day: on the next day the page shows the
    one computed the day before, with its time, and schedules the scores job."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from supervision.tasks import scores_refresh

    settings.DASHBOARD_CACHE_SECONDS = 300
    period = AssessmentPeriod.objects.get()
    client.force_login(office_user)
    client.get("/supervision/scores/", {"period": period.pk})  # computed today
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: tomorrow)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def no_compute(**kwargs):
        raise AssertionError("computed on view")

    monkeypatch.setattr("supervision.scores_export.assessment_compute", no_compute)
    page = client.get("/supervision/scores/", {"period": period.pk})
    totals = {row.unit.name: row.total for row in page.context["rows"]}
    assert totals == {"甲局": Decimal("107"), "乙局": Decimal("93")}
    assert "后台正在按最新数据重新计算" in page.content.decode()
    client.get("/supervision/scores/", {"period": period.pk})
    scheduled = DBTaskResult.objects.filter(task_path=scores_refresh.module_path)
    assert scheduled.count() == 1  # one job, whatever the number of views
