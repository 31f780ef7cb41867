"""Issue 12 point 4: upgrading a database filled by the previous version splits merged units.

The previous version imported plans without governments and deduplicated units by
name across plans. The test imports the five plans that way, adds reports, extension
requests, 签收, 督办单, a published 考评 score and unit users, rolls the schema back to
the previous version's migrations, migrates forward, and checks that every row is on
the right government's unit and nothing is lost.
"""

import csv
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from deadlines.models import DeadlineExtension
from supervision.models import (
    AssessmentPeriod,
    AssessmentScore,
    EscalationNotice,
    TaskAcknowledgement,
)
from tasks.importer import parse_document, read_document
from tasks.models import Plan, ProgressReport, Task, TaskUnit
from tasks.services import plan_import
from units.choices import UnitRole
from units.models import Unit, UnitAlias, UnitMembership

from .conftest import FIXTURE_REGIONS, POLICIES_DIR, XIANGTAN, XIANGYANG, make_user

PREVIOUS_VERSION = [("units", "0005_user_government")]


@pytest.fixture(autouse=True)
def shipped_regions(transactional_db):
    """The regions migration regions/0002 ships, reloaded when an earlier live-server test
    flushed them: the upgrade reads each plan's government from them."""
    from regions.models import Region
    from regions.services import regions_load

    if not Region.objects.exists():
        regions_load(path=settings.REGION_FIXTURE)


def import_like_the_previous_version():
    """The five plans without governments: units deduplicated by name across plans."""
    with open(settings.UNIT_ALIAS_FIXTURE, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            unit, _ = Unit.objects.get_or_create(name=row["unit"])
            UnitAlias.objects.get_or_create(name=row["alias"], unit=unit)
    for path in sorted(POLICIES_DIR.glob("*.txt")):
        text = read_document(path)
        plan_import(parsed=parse_document(text), source_file=path.name, source_text=text)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def lead_task(unit, source_file):
    return (
        Task.objects.filter(
            plan__source_file=source_file, task_units__unit=unit, task_units__role=UnitRole.LEAD
        )
        .order_by("number")
        .first()
    )


def fill(unit):
    """Rows on the merged unit in both cities' plans: report, extension, 签收, 督办单."""
    user = make_user(units=[unit], username="shenpi")
    rows = {}
    for source_file in (XIANGYANG, XIANGTAN):
        task = lead_task(unit, source_file)
        report = ProgressReport.objects.create(
            task=task, unit=unit, author=user, status="in_progress", progress=30, text=source_file
        )
        extension = DeadlineExtension.objects.create(
            deadline=task.deadline,
            previous_due_on=task.deadline.due_on,
            requested_due_on=task.deadline.due_on + timedelta(days=30),
            reason=source_file,
            requested_by=user,
            unit=unit,
        )
        ack = TaskAcknowledgement.objects.create(
            task=task, unit=unit, acknowledged_at=timezone.now(), acknowledged_by=user
        )
        notice = EscalationNotice.objects.create(
            task=task, unit=unit, colour="red", reason=source_file
        )
        rows[source_file] = (task, report, extension, ack, notice)
    period = AssessmentPeriod.objects.create(
        name="2022年度", kind="year", starts_on=date(2022, 1, 1), ends_on=date(2022, 12, 31)
    )
    score = AssessmentScore.objects.create(period=period, unit=unit, rank=1, total=Decimal("95"))
    return user, rows, score


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            TaskUnit,
            ProgressReport,
            DeadlineExtension,
            TaskAcknowledgement,
            EscalationNotice,
            AssessmentScore,
            Task,
            Plan,
        )
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upgrade_splits_merged_units_and_moves_their_rows():
    import_like_the_previous_version()
    merged = Unit.objects.get(name="市行政审批局")
    assert merged.region is None and not Plan.objects.exclude(region=None).exists()
    user, rows, score = fill(merged)
    UnitAlias.objects.create(unit=merged, name="市审批局")
    before = counts()
    merged_names = {"市行政审批局", "市财政局", "市发改委", "市司法局", "市工商联", "市市场监管局"}
    assert merged_names <= set(Unit.objects.values_list("name", flat=True))

    migrate(PREVIOUS_VERSION)
    try:
        migrate(latest())
    finally:
        call_command("migrate", verbosity=0)

    assert counts() == before
    plans = {plan.source_file: plan for plan in Plan.objects.select_related("region")}
    assert {name: plan.region.code for name, plan in plans.items()} == FIXTURE_REGIONS
    assert not Unit.objects.filter(region=None).exists()

    # Each assignment is on its own plan's government's unit (市X in a city's plan).
    for link in TaskUnit.objects.select_related("unit__region", "task__plan__region"):
        if link.unit.name.startswith("市") and not link.unit.is_collective:
            assert link.unit.region == link.task.plan.region, (link.unit.full_name, link.task)
    for name in merged_names:
        assert Unit.objects.filter(name=name).count() == 2

    xiangyang = Unit.objects.get(name="市行政审批局", region__code="420600")
    xiangtan = Unit.objects.get(name="市行政审批局", region__code="430300")
    for source_file, part in ((XIANGYANG, xiangyang), (XIANGTAN, xiangtan)):
        task, report, extension, ack, notice = rows[source_file]
        assert TaskUnit.objects.filter(task=task, unit=part, role=UnitRole.LEAD).exists()
        for row in (report, extension, ack, notice):
            row.refresh_from_db()
            assert row.unit_id == part.pk, (type(row).__name__, source_file)

    # The user keeps both parts, flagged for the office to review; the score stays.
    memberships = UnitMembership.objects.filter(user=user)
    assert set(memberships.values_list("unit_id", "needs_review")) == {
        (xiangyang.pk, True),
        (xiangtan.pk, True),
    }
    score.refresh_from_db()
    assert score.unit_id == merged.pk
    # Each part keeps the merged unit's aliases, within its own government.
    assert Unit.objects.resolve("市审批局", region=xiangyang.region) == xiangyang
    assert Unit.objects.resolve("市审批局", region=xiangtan.region) == xiangtan

    # Units named in one government only are not split or flagged.
    assert Unit.objects.filter(name="州行政审批服务局").count() == 1
    assert not UnitMembership.objects.filter(needs_review=True).exclude(user=user).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upgrade_then_reimport_changes_nothing():
    import_like_the_previous_version()
    migrate(PREVIOUS_VERSION)
    try:
        migrate(latest())
    finally:
        call_command("migrate", verbosity=0)
    before = counts() | {"units": Unit.objects.count()}
    call_command("load_policies", verbosity=0, stdout=open("/dev/null", "w"))
    assert counts() | {"units": Unit.objects.count()} == before
