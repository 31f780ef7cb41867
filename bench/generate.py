"""Synthetic plans, units, tasks, deadlines and reports, written with bulk_create.

Used by the benchmark (100,000 tasks) and by the constant-query-count tests
(a few hundred). Deterministic for a given seed. Not recorded in history
(bulk_create bypasses django-simple-history), which a benchmark does not need.
"""

import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from dashboard.cache import figures_changed
from deadlines.choices import DeadlineSource
from deadlines.models import Deadline
from regions.models import Region
from tasks.choices import TaskStatus
from tasks.models import Plan, ProgressReport, Task, TaskUnit
from units.choices import UnitRole
from units.models import Unit

BATCH = 5000
START = date(2020, 1, 1)
ISSUERS = ("湖南省人民政府办公厅", "湘西州人民政府办公室", "襄阳市人民政府", "湘潭市人民政府")


@contextmanager
def _explicit_report_times():
    """Let bulk_create keep the generated `created_at` instead of now()."""
    field = ProgressReport._meta.get_field("created_at")
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def generate_dataset(
    *, tasks: int, units: int = 2000, reports_per_task: int = 10, plans=None, seed: int = 5
) -> dict:
    """Create `tasks` tasks spread over `plans` plans (default: one per 1,000 tasks).

    Deadlines fall between 2020 and 2022 (5% ongoing); a third of the tasks due
    are completed, some on time and some late; each task has one or two lead
    units and `reports_per_task` progress reports. Plans and units are spread over
    the shipped regions (行政区划) in turn, so region-scoped offices and the drill-down
    have governments at every level to work on.
    """
    rng = random.Random(seed)
    plans = plans or max(1, tasks // 1000)
    suffix = rng.randrange(10**8)
    region_ids = list(Region.objects.order_by("pk").values_list("pk", flat=True)) or [None]
    plan_rows = Plan.objects.bulk_create(
        Plan(
            title=f"合成方案{index + 1}",
            region_id=region_ids[index % len(region_ids)],
            issuer=ISSUERS[index % len(ISSUERS)],
            year=2020 + index % 3,
            source_file=f"synthetic-{suffix}-{index}.txt",
            source_text="",
            content_hash=f"synthetic-{suffix}-{index}",
        )
        for index in range(plans)
    )
    unit_rows = Unit.objects.bulk_create(
        (
            Unit(
                name=f"合成单位{suffix}-{index + 1}",
                region_id=region_ids[index % len(region_ids)],
            )
            for index in range(units)
        ),
        batch_size=BATCH,
    )
    task_rows, deadline_rows, link_rows, due_dates = [], [], [], []
    per_plan = {}
    for index in range(tasks):
        plan = plan_rows[index % plans]
        per_plan[plan.pk] = per_plan.get(plan.pk, 0) + 1
        ongoing = rng.random() < 0.05
        due_on = None if ongoing else START + timedelta(days=rng.randrange(3 * 365))
        due_dates.append(due_on)
        completed = rng.random() < 0.35
        completed_on = (
            (due_on or START) + timedelta(days=rng.randrange(-60, 40)) if completed else None
        )
        task_rows.append(
            Task(
                plan=plan,
                number=per_plan[plan.pk],
                title=f"合成任务{index + 1}",
                body="",
                status=TaskStatus.COMPLETED
                if completed
                else rng.choice(
                    (
                        TaskStatus.NOT_STARTED,
                        TaskStatus.IN_PROGRESS,
                        TaskStatus.COMPLETION_REQUESTED,
                        TaskStatus.BLOCKED,
                    )
                ),
                completed_on=completed_on,
            )
        )
    task_rows = Task.objects.bulk_create(task_rows, batch_size=BATCH)
    for task, due_on in zip(task_rows, due_dates, strict=True):
        deadline_rows.append(
            Deadline(
                task=task, due_on=due_on, is_ongoing=due_on is None, source=DeadlineSource.DOCUMENT
            )
        )
        leads = rng.sample(unit_rows, k=min(len(unit_rows), rng.choice((1, 1, 2))))
        for position, unit in enumerate(leads):
            link_rows.append(TaskUnit(task=task, unit=unit, role=UnitRole.LEAD, position=position))
        link_rows.append(
            TaskUnit(task=task, unit=rng.choice(unit_rows), role=UnitRole.RESPONSIBLE, position=0)
        )
    Deadline.objects.bulk_create(deadline_rows, batch_size=BATCH)
    TaskUnit.objects.bulk_create(link_rows, batch_size=BATCH, ignore_conflicts=True)
    report_count = 0
    with _explicit_report_times():
        batch = []
        for task in task_rows:
            for _ in range(reports_per_task):
                day = START + timedelta(days=rng.randrange(3 * 365))
                batch.append(
                    ProgressReport(
                        task=task,
                        unit=rng.choice(unit_rows),
                        status=TaskStatus.IN_PROGRESS,
                        progress=rng.randrange(101),
                        text="合成进展",
                        created_at=timezone.make_aware(datetime.combine(day, time(10))),
                    )
                )
            if len(batch) >= BATCH:
                report_count += len(ProgressReport.objects.bulk_create(batch))
                batch = []
        report_count += len(ProgressReport.objects.bulk_create(batch))
    figures_changed()  # bulk_create sends no signals: cached dashboard figures are stale
    return {"plans": plans, "units": units, "tasks": tasks, "reports": report_count}
