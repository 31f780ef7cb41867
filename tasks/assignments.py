"""交办 to collectives: a name such as 各市州人民政府 handed down to its members (承办).

A plan often names many bodies at once (各市州人民政府, 各县(市、区)人民政府, 省直相关部门).
When the office hands such a task down, each member gets its own link to the task
(`TaskUnit.collective_link` points at the collective's link), so it acknowledges (签收),
reports and is counted on its own; the collective's link is marked `is_fanned_out` and
counts only through its members (`tasks.models.accountable_link_q`).

Members are found in the plan's region (`Plan.region`): governments of the level the
name says (市州 = the cities under the plan's province; 县市区 = the counties under the
plan's region), or the region's own departments for 省直/州直/市直/区直 names.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q

from regions.choices import RegionLevel
from regions.models import Region
from units.models import Unit

from . import rules
from .choices import TaskStatus
from .models import ProgressReport, Task, TaskUnit

# Governments: 各<levels>人民政府 / 各<levels>政府, levels written 市州, 市、州, 县(市、区)…
_GOVERNMENTS = re.compile(r"^各(?P<levels>[省市州盟县区旗]+)(人民)?政府$")
# Departments of the plan's own government: 省直相关部门, 州直各单位, 市直机关各有关单位,
# 市政府各部门, 相关区直单位…
_DEPARTMENTS = re.compile(r"(?P<level>[省市州区县])(直|政府各|政府有关|政府相关)")
_PUNCTUATION = re.compile(r"[、,,()()\s]")
_COUNTY_MARKS = set("县区旗")


def _normalised(name: str) -> str:
    return _PUNCTUATION.sub("", name)


def member_regions(name: str, region: Region) -> list[Region] | None:
    """The governments a collective name stands for in `region`, or None if it names none.

    各市州人民政府 in a province's plan: its cities and prefectures; 各县市区人民政府: the
    counties under the region (for a province, under all its cities).
    """
    match = _GOVERNMENTS.match(_normalised(name))
    if match is None:
        return None
    marks = set(match["levels"])
    levels = set()
    if marks & _COUNTY_MARKS:
        levels.add(RegionLevel.COUNTY)
    if ({"市", "州", "盟"} & marks) and region.level == RegionLevel.PROVINCE:
        # 市 next to 县 means county-level cities (县级市) unless the plan is a province's.
        if not (marks & _COUNTY_MARKS) or "州" in marks or "盟" in marks:
            levels.add(RegionLevel.CITY)
    if not levels:
        levels.add(RegionLevel.COUNTY)
    subtree = Region.objects.subtree_ids(region)
    return list(
        Region.objects.filter(pk__in=subtree, level__in=levels)
        .exclude(pk=region.pk)
        .order_by("code", "name")
    )


def government_unit(region: Region, *, create: bool) -> Unit | None:
    """The unit of `region`'s government (e.g. 长沙市人民政府 in 长沙市), created if asked."""
    relative = {
        RegionLevel.PROVINCE: "省人民政府",
        RegionLevel.CITY: "州人民政府" if region.name.endswith("州") else "市人民政府",
        RegionLevel.COUNTY: region.name[-1:] + "人民政府",
    }[region.level]
    names = [f"{region.name}人民政府", f"{region.display_name}人民政府", relative]
    existing = {unit.name: unit for unit in Unit.objects.filter(region=region, name__in=names)}
    for name in names:
        if name in existing:
            return existing[name]
    if not create:
        return None
    unit = Unit(name=names[0], region=region)
    unit.full_clean()
    unit.save()
    return unit


def department_units(name: str, region: Region) -> list[Unit] | None:
    """The departments of `region`'s own government a 省直/州直/市直 name stands for, or None."""
    match = _DEPARTMENTS.search(_normalised(name))
    if match is None:
        return None
    return list(
        Unit.objects.filter(region=region, is_collective=False, name__startswith=match["level"])
        .exclude(name__endswith="政府")
        .order_by("name")
    )


def collective_members(collective: Unit, region: Region, *, create: bool) -> list[Unit] | None:
    """Member units of a collective name in `region`; None when the name is not understood.

    With `create`, a missing government unit is created in its region; without, it is left out.
    """
    regions = member_regions(collective.name, region)
    if regions is not None:
        units = (government_unit(member, create=create) for member in regions)
        return [unit for unit in units if unit is not None]
    return department_units(collective.name, region)


@transaction.atomic
def tasks_fan_out(*, tasks, collective: Unit, user) -> list[TaskUnit]:
    """交办: hand `collective` down to its members on each of `tasks`; all or nothing.

    Each member gets a link with the collective's role (`collective_link` set); a member
    already named with that role is attached rather than duplicated. A collective already
    handed down on a task is left as it is (running again changes nothing). Raises
    ValidationError naming the task and the name when the plan has no region or the
    region has no known members.
    """
    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以分解交办任务")
    if not collective.is_collective:
        raise ValidationError(f"“{collective.name}”不是集合名称,无需分解")
    created = []
    for task in tasks:
        links = list(TaskUnit.objects.filter(task=task, unit=collective).select_related("task"))
        if not links:
            raise ValidationError(f"任务“{task}”没有“{collective.name}”,无法分解")
        region = task.plan.region
        if region is None:
            raise ValidationError(
                f"方案“{task.plan}”未设定发文政府,无法确定“{collective.name}”的成员"
            )
        members = collective_members(collective, region, create=True)
        if members is None:
            raise ValidationError(f"无法识别“{collective.name}”指哪些单位(任务“{task}”)")
        if not members:
            raise ValidationError(
                f"{region.display_name}下没有“{collective.name}”的已知成员单位"
                f"(任务“{task}”),未交办;请先导入该地区的行政区划或单位"
            )
        for link in links:
            if link.is_fanned_out:
                continue
            created.extend(_fan_out_link(link, members))
    return created


def _fan_out_link(link: TaskUnit, members: list[Unit]) -> list[TaskUnit]:
    same_role = TaskUnit.objects.filter(task_id=link.task_id, role=link.role)
    named = {other.unit_id: other for other in same_role}
    position = (same_role.aggregate(last=Max("position"))["last"] or 0) + 1
    member_links = []
    for unit in members:
        member = named.get(unit.pk)
        if member is None:
            member = TaskUnit(
                task_id=link.task_id,
                unit=unit,
                role=link.role,
                position=position,
                from_document=False,
            )
            position += 1
        elif member.collective_link_id is not None:
            continue
        member.collective_link = link
        member.full_clean()
        member.save()
        member_links.append(member)
    link.is_fanned_out = True
    link.save(update_fields=["is_fanned_out"])
    return member_links


# --- roll-up -----------------------------------------------------------------------------

MEMBER_DONE_STATUSES = (TaskStatus.COMPLETION_REQUESTED, TaskStatus.COMPLETED)


@dataclass
class MemberState:
    """One member's own standing on a handed-down task: its latest report."""

    link: TaskUnit
    status: str = TaskStatus.NOT_STARTED
    progress: int = 0
    last_report_at: object = None
    is_done: bool = False
    is_overdue: bool = False

    @property
    def unit(self) -> Unit:
        return self.link.unit

    @property
    def status_label(self) -> str:
        return TaskStatus(self.status).label


@dataclass
class CollectiveRollup:
    """A collective name handed down on a task: how many members reported, finished, are late."""

    link: TaskUnit
    members: list[MemberState] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.members)

    @property
    def reported(self) -> int:
        return sum(1 for member in self.members if member.last_report_at is not None)

    @property
    def completed(self) -> int:
        return sum(1 for member in self.members if member.is_done)

    @property
    def overdue(self) -> int:
        return sum(1 for member in self.members if member.is_overdue)

    def as_dict(self) -> dict:
        return {
            "collective": self.link.unit.full_name,
            "role": self.link.role,
            "members": self.total,
            "reported": self.reported,
            "completed": self.completed,
            "overdue": self.overdue,
            "member_units": [
                {
                    "unit": member.link.unit_id,
                    "name": member.unit.full_name,
                    "status": member.status,
                    "progress": member.progress,
                    "last_report_at": member.last_report_at,
                    "overdue": member.is_overdue,
                }
                for member in self.members
            ],
        }


def member_latest_reports(tasks, *, until) -> dict[tuple[int, int], tuple[str, int, object]]:
    """{(task id, unit id): (status, progress, created_at)} of each handed-down member's
    latest report on `tasks` (a queryset or ids) made before `until`: one query.

    A member's standing is its own latest report (see `task_rollups`), not the task's.
    """
    member = TaskUnit.objects.filter(
        collective_link__isnull=False, task_id=OuterRef("task_id"), unit_id=OuterRef("unit_id")
    )
    reports = (
        ProgressReport.objects.filter(task_id__in=tasks, created_at__lt=until)
        .filter(Exists(member))
        .order_by("created_at", "pk")
        .values_list("task_id", "unit_id", "status", "progress", "created_at")
    )
    return {(task_id, unit_id): tuple(rest) for task_id, unit_id, *rest in reports}


def task_rollups(task: Task, as_of: date, *, all_links_prefetched=False) -> list[CollectiveRollup]:
    """The hand-down roll-up of each collective name on `task` (empty when none); 2 queries.

    A member is done when its latest report asks for 销号 or the task is 销号; it is
    overdue when the task's deadline passed before `as_of` and it is not done. No query
    when none was handed down and `all_links_prefetched` says `task.task_units.all()` holds
    every link (`Task.objects.with_api_relations()`; the admin prefetches only the leads).
    """
    if all_links_prefetched and not any(link.is_fanned_out for link in task.task_units.all()):
        return []
    links = list(
        TaskUnit.objects.filter(task=task)
        .filter(Q(is_fanned_out=True) | Q(collective_link__isnull=False))
        .order_by("role", "position")
    )
    if not links:
        return []
    units = Unit.objects.select_related("region").in_bulk({link.unit_id for link in links})
    for link in links:
        link.unit = units[link.unit_id]
    latest = {}
    reports = ProgressReport.objects.filter(task=task, unit__in=units).order_by("created_at")
    for unit_id, status, progress, created_at in reports.values_list(
        "unit_id", "status", "progress", "created_at"
    ):
        latest[unit_id] = (status, progress, created_at)
    task_done = task.status == TaskStatus.COMPLETED
    late = task.is_overdue(as_of)
    rollups = {link.pk: CollectiveRollup(link=link) for link in links if link.is_fanned_out}
    for link in links:
        if link.collective_link_id not in rollups:
            continue
        state = MemberState(link=link)
        if link.unit_id in latest:
            state.status, state.progress, state.last_report_at = latest[link.unit_id]
        state.is_done = task_done or state.status in MEMBER_DONE_STATUSES
        state.is_overdue = late and not state.is_done
        rollups[link.collective_link_id].members.append(state)
    return list(rollups.values())
