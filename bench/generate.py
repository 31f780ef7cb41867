"""Synthetic plans, units, tasks, deadlines and reports, written with bulk_create.

Used by the benchmark (100,000 tasks) and by the constant-query-count tests
(a few hundred). Deterministic for a given seed. Not recorded in history
(bulk_create bypasses django-simple-history), which a benchmark does not need.
"""

import io
import itertools
import json
import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from dashboard.cache import figures_changed
from deadlines.choices import DeadlineSource
from deadlines.models import Deadline
from regions.choices import RegionLevel
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


# --- One province's shape (issue 12 "Scale") ---------------------------------------------

PROVINCE_CODE = "430000"  # 湖南省: 14 市州 shipped; counties completed to PROVINCE_COUNTIES
PROVINCE_COUNTIES = 122
# Share of the tasks issued by the province, all its cities, all its counties.
PROVINCE_SHARES = (0.10, 0.30, 0.60)
# Share of a province's (city's) tasks naming 各市州(各县市区)人民政府, handed down to them.
COLLECTIVE_SHARE = 0.25
# Share of the province's tasks with a city bureau as a second lead (交办到下级单位).
HANDED_TO_CITY_SHARE = 0.05
COPY_CHUNK = 20_000


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, date):  # datetime too
        value = value.isoformat()
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _column_defaults(model) -> dict:
    now = timezone.now()
    defaults = {}
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:
            defaults[field.attname] = field.get_default()
    return defaults


def write_rows(model, rows) -> int:
    """Insert `rows` (dicts of column values, ids included; other columns take the
    field's default) in chunks: COPY on PostgreSQL, bulk_create elsewhere. Ids are
    chosen by the caller (`next_ids`) so that rows can point at each other without
    reading them back; the id sequence is moved past them at the end."""
    defaults = _column_defaults(model)
    columns = list(defaults)
    written = 0
    chunk = []

    def flush():
        nonlocal written
        if not chunk:
            return
        if connection.vendor == "postgresql":
            text = io.StringIO()
            for row in chunk:
                text.write("\t".join(_copy_text(row.get(c, defaults[c])) for c in columns))
                text.write("\n")
            text.seek(0)
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            with connection.cursor() as cursor:
                cursor.copy_expert(
                    f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN",
                    text,
                )
        else:
            with _explicit_times(model):
                model.objects.bulk_create(
                    [model(**{**defaults, **row}) for row in chunk], batch_size=BATCH
                )
        written += len(chunk)
        chunk.clear()

    for row in rows:
        chunk.append(row)
        if len(chunk) >= COPY_CHUNK:
            flush()
    flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(sql)
    return written


@contextmanager
def _explicit_times(model):
    """bulk_create keeps the given auto_now / auto_now_add values (COPY always does)."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def next_ids(model):
    """An iterator of ids above every existing row of `model`."""
    last = model.objects.aggregate(last=Max("pk"))["last"] or 0
    return itertools.count(last + 1)


def province_regions(*, counties: int = PROVINCE_COUNTIES):
    """湖南省, its 14 shipped 市州 and `counties` counties: the shipped ones, and synthetic
    ones (合成县) spread over the cities in turn, with free codes of their city."""
    province = Region.objects.get(code=PROVINCE_CODE)
    cities = list(Region.objects.filter(parent=province).order_by("code"))
    existing = list(Region.objects.filter(parent__parent=province).order_by("code"))
    used = set(
        Region.objects.filter(code__startswith=PROVINCE_CODE[:2]).values_list("code", flat=True)
    )
    created = []
    for index in range(max(0, counties - len(existing))):
        city = cities[index % len(cities)]
        code = next(
            f"{city.code[:4]}{n:02d}"
            for n in range(99, 0, -1)
            if f"{city.code[:4]}{n:02d}" not in used
        )
        used.add(code)
        created.append(
            Region(
                code=code,
                name=f"合成{city.display_name}{code[-2:]}县",
                level=RegionLevel.COUNTY,
                parent=city,
            )
        )
    Region.objects.bulk_create(created)
    all_counties = list(Region.objects.filter(parent__parent=province).order_by("code"))
    return province, cities, all_counties


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if index < total % parts else 0) for index in range(parts)]


def generate_province(
    *, tasks: int, units: int = 8000, reports_per_task: int = 5, seed: int = 5
) -> dict:
    """One province's governments at full scale: 湖南省, 14 市州, 122 县市区, about `units`
    units and `tasks` tasks, written with COPY on PostgreSQL.

    Each government issues plans (one per 1,000 of its tasks) led by its own departments;
    the province has PROVINCE_SHARES[0] of the tasks, the cities and the counties share the
    rest. A quarter of the province's tasks name 各市州人民政府 and a quarter of each city's
    name 各县市区人民政府, handed down (交办) to the member governments' units as
    `tasks_fan_out` does (the label `is_fanned_out`, one member link each); 5% of the
    province's tasks have a city bureau as second lead. Deadlines and statuses as in
    `generate_dataset`; `reports_per_task` progress reports per task, each by one of the
    units answerable for it.
    """
    rng = random.Random(seed)
    province, cities, counties = province_regions()
    governments = [province, *cities, *counties]
    children = {city.pk: [c for c in counties if c.parent_id == city.pk] for city in cities}

    # Units: each government's own unit (the member a collective is handed down to), its
    # departments, and the collective label its plans name.
    unit_ids = next_ids(Unit)
    government_units, departments, collectives, unit_rows = {}, {}, {}, []
    labels = 1 + len(cities)  # 各市州 in the province, 各县市区 in each city
    per_government = _split(max(0, units - len(governments) - labels), len(governments))
    for region, count in zip(governments, per_government, strict=True):
        government_units[region.pk] = next(unit_ids)
        unit_rows.append(
            {
                "id": government_units[region.pk],
                "name": f"{region.name}人民政府",
                "region_id": region.pk,
            }
        )
        departments[region.pk] = []
        for index in range(max(1, count)):
            departments[region.pk].append(next(unit_ids))
            unit_rows.append(
                {
                    "id": departments[region.pk][-1],
                    "name": f"合成部门{index + 1}",
                    "region_id": region.pk,
                }
            )
        if region.level != RegionLevel.COUNTY:
            collectives[region.pk] = next(unit_ids)
            name = "各市州人民政府" if region.level == RegionLevel.PROVINCE else "各县市区人民政府"
            unit_rows.append(
                {
                    "id": collectives[region.pk],
                    "name": name,
                    "region_id": region.pk,
                    "is_collective": True,
                }
            )
    # Names the shipped data or an earlier run already gave a unit in these regions are
    # kept (the unique (region, name) constraint): reuse those units.
    taken = {
        (region_id, name): pk
        for pk, region_id, name in Unit.objects.filter(region__in=governments).values_list(
            "pk", "region_id", "name"
        )
    }
    replace = {}
    fresh = []
    for row in unit_rows:
        key = (row["region_id"], row["name"])
        if key in taken:
            replace[row["id"]] = taken[key]
        else:
            fresh.append(row)
    write_rows(Unit, fresh)
    government_units = {k: replace.get(v, v) for k, v in government_units.items()}
    collectives = {k: replace.get(v, v) for k, v in collectives.items()}
    departments = {k: [replace.get(v, v) for v in ids] for k, ids in departments.items()}

    # Tasks per government, then plans of at most 1,000 tasks each.
    province_share, city_share, _ = PROVINCE_SHARES
    province_tasks = round(tasks * province_share)
    city_tasks = _split(round(tasks * city_share), len(cities))
    county_tasks = _split(tasks - province_tasks - sum(city_tasks), len(counties))
    task_counts = [province_tasks, *city_tasks, *county_tasks]

    suffix = rng.randrange(10**8)
    plan_ids, task_ids = next_ids(Plan), next_ids(Task)
    link_ids, report_ids, deadline_ids = (
        next_ids(TaskUnit),
        next_ids(ProgressReport),
        next_ids(Deadline),
    )
    plan_rows, task_rows, deadline_rows, link_rows, report_rows = [], [], [], [], []
    for region, count in zip(governments, task_counts, strict=True):
        if not count:
            continue
        plans = [next(plan_ids) for _ in range(max(1, round(count / 1000)))]
        for index, plan_id in enumerate(plans):
            plan_rows.append(
                {
                    "id": plan_id,
                    "title": f"{region.display_name}合成方案{index + 1}",
                    "region_id": region.pk,
                    "issuer": f"{region.name}人民政府",
                    "year": 2020 + index % 2,
                    "source_file": f"synthetic-{suffix}-{plan_id}.txt",
                    "content_hash": f"synthetic-{suffix}-{plan_id}",
                }
            )
        own = departments[region.pk]
        if region.level == RegionLevel.PROVINCE:
            members = [government_units[city.pk] for city in cities]
        elif region.level == RegionLevel.CITY:
            members = [government_units[county.pk] for county in children[region.pk]]
        else:
            members = []
        for index in range(count):
            task_id = next(task_ids)
            plan_id = plans[index % len(plans)]
            ongoing = rng.random() < 0.05
            due_on = None if ongoing else START + timedelta(days=rng.randrange(3 * 365))
            completed = rng.random() < 0.35
            task_rows.append(
                {
                    "id": task_id,
                    "plan_id": plan_id,
                    "number": index // len(plans) + 1,
                    "title": f"合成任务{task_id}",
                    "status": TaskStatus.COMPLETED
                    if completed
                    else rng.choice(
                        (
                            TaskStatus.NOT_STARTED,
                            TaskStatus.IN_PROGRESS,
                            TaskStatus.COMPLETION_REQUESTED,
                            TaskStatus.BLOCKED,
                        )
                    ),
                    "completed_on": (due_on or START) + timedelta(days=rng.randrange(-60, 40))
                    if completed
                    else None,
                }
            )
            deadline_rows.append(
                {
                    "id": next(deadline_ids),
                    "task_id": task_id,
                    "due_on": due_on,
                    "is_ongoing": ongoing,
                    "source": DeadlineSource.DOCUMENT,
                }
            )
            leads = rng.sample(own, k=min(len(own), rng.choice((1, 1, 2))))
            if region.level == RegionLevel.PROVINCE and rng.random() < HANDED_TO_CITY_SHARE:
                leads.append(rng.choice(departments[rng.choice(cities).pk]))
            accountable = list(leads)
            for position, unit_id in enumerate(leads):
                link_rows.append(
                    {
                        "id": next(link_ids),
                        "task_id": task_id,
                        "unit_id": unit_id,
                        "role": UnitRole.LEAD,
                        "position": position,
                    }
                )
            helper = rng.choice(own)
            if helper not in leads:
                link_rows.append(
                    {
                        "id": next(link_ids),
                        "task_id": task_id,
                        "unit_id": helper,
                        "role": UnitRole.RESPONSIBLE,
                        "position": 0,
                    }
                )
            if members and rng.random() < COLLECTIVE_SHARE:
                label = next(link_ids)
                link_rows.append(
                    {
                        "id": label,
                        "task_id": task_id,
                        "unit_id": collectives[region.pk],
                        "role": UnitRole.RESPONSIBLE,
                        "position": 1,
                        "is_fanned_out": True,
                    }
                )
                for position, unit_id in enumerate(members, start=2):
                    link_rows.append(
                        {
                            "id": next(link_ids),
                            "task_id": task_id,
                            "unit_id": unit_id,
                            "role": UnitRole.RESPONSIBLE,
                            "position": position,
                            "from_document": False,
                            "collective_link_id": label,
                        }
                    )
                accountable.extend(members)
            for _ in range(reports_per_task):
                day = START + timedelta(days=rng.randrange(3 * 365))
                report_rows.append(
                    {
                        "id": next(report_ids),
                        "task_id": task_id,
                        "unit_id": rng.choice(accountable),
                        "status": TaskStatus.IN_PROGRESS,
                        "progress": rng.randrange(101),
                        "text": "合成进展",
                        "created_at": timezone.make_aware(datetime.combine(day, time(10))),
                    }
                )
        # Written per government: memory stays bounded at 200,000 tasks.
        if len(report_rows) >= 5 * COPY_CHUNK or region is governments[-1]:
            _flush_province_rows(plan_rows, task_rows, deadline_rows, link_rows, report_rows)
    _flush_province_rows(plan_rows, task_rows, deadline_rows, link_rows, report_rows)
    figures_changed()  # COPY and bulk_create send no signals: cached figures are stale
    return {
        "regions": len(governments),
        "counties": len(counties),
        "plans": Plan.objects.count(),
        "units": Unit.objects.count(),
        "tasks": Task.objects.count(),
        "task_units": TaskUnit.objects.count(),
        "reports": ProgressReport.objects.count(),
    }


def _flush_province_rows(*lists) -> None:
    for model, rows in zip((Plan, Task, Deadline, TaskUnit, ProgressReport), lists, strict=True):
        write_rows(model, rows)
        rows.clear()
