"""Shared fixtures: the five real plans, users of each role, and small factories."""

import importlib
import itertools
from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from deadlines.choices import DeadlineSource
from deadlines.models import Deadline
from regions.models import Region
from tasks.models import Plan, Task, TaskUnit
from units.choices import UnitRole
from units.models import Unit, UnitMembership
from units.roles import LEADER_GROUP, OFFICE_GROUP

POLICIES_DIR = settings.POLICY_FIXTURES_DIR
XIANGXI = "2020-xiangxi-work-plan.txt"
XIANGYANG = "2020-xiangyang-implementation-plan.txt"
HUNAN = "2021-hunan-task-division-plan.txt"
LENGSHUITAN = "2021-lengshuitan-implementation-plan.txt"
XIANGTAN = "2022-xiangtan-ten-key-tasks.txt"

_sequence = itertools.count(1)


@pytest.fixture
def imported_plans(db):
    """The five policy documents loaded through the real command, keyed by file name."""
    call_command("load_policies", verbosity=0, stdout=open("/dev/null", "w"))
    return {plan.source_file: plan for plan in Plan.objects.all()}


# The government that issued each fixture plan (GB/T 2260 code).
FIXTURE_REGIONS = {
    XIANGXI: "433100",
    XIANGYANG: "420600",
    HUNAN: "430000",
    LENGSHUITAN: "431103",
    XIANGTAN: "430300",
}


@pytest.fixture
def regional_plans(imported_plans):
    """The five plans with their issuing governments (the importer sets them itself now)."""
    return imported_plans


@pytest.fixture
def plans(regional_plans):
    """The five plans, every unit in its own government (region-scope tests).

    The importer resolves units per government, so this is the import itself; a name
    used by plans of two governments (市行政审批局 in 湘潭 and 襄阳) is two units.
    """
    return regional_plans


def governed(code: str, group: str = OFFICE_GROUP):
    """An office user (or leader) of the government with this GB/T 2260 code."""
    from regions.models import Region
    from units.models import UserGovernment

    user = make_user(group=group, is_staff=True)
    UserGovernment.objects.create(user=user, region=Region.objects.get(code=code))
    return user


def hand_down(task, unit):
    """An upstream task assigned to a unit of a lower government (交办到下级)."""
    position = task.task_units.filter(role=UnitRole.LEAD).count()
    return TaskUnit.objects.create(task=task, unit=unit, role=UnitRole.LEAD, position=position)


def make_user(*, group: str | None = None, units=(), is_staff=False, username=None):
    user = get_user_model().objects.create_user(
        username=username or f"user{next(_sequence)}", password="pw-for-tests-1", is_staff=is_staff
    )
    if group:
        # get_or_create: a transactional test after a live-server test finds the role
        # groups of the data migrations flushed
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    for unit in units:
        UnitMembership.objects.create(user=user, unit=unit)
    return user


@pytest.fixture
def office_user(db):
    return make_user(group=OFFICE_GROUP, is_staff=True)


@pytest.fixture
def leader_user(db):
    return make_user(group=LEADER_GROUP, is_staff=True)


def make_plan(**overrides) -> Plan:
    n = next(_sequence)
    values = {
        "title": f"测试方案{n}",
        "year": 2020,
        "source_file": f"test-plan-{n}.txt",
        "source_text": "原文",
        "content_hash": f"hash{n}",
    }
    values.update(overrides)
    return Plan.objects.create(**values)


def make_task(
    *,
    plan=None,
    number=None,
    due_on: date | None = date(2020, 6, 30),
    is_ongoing=False,
    lead_units=(),
    responsible_units=(),
    **fields,
) -> Task:
    plan = plan or make_plan()
    number = number or (plan.tasks.count() + 1)
    task = Task.objects.create(
        plan=plan, number=number, title=f"任务{number}", body=f"任务{number}的内容。", **fields
    )
    Deadline.objects.create(
        task=task,
        due_on=None if is_ongoing else due_on,
        is_ongoing=is_ongoing,
        source=DeadlineSource.DOCUMENT,
        text="",
    )
    for role, units in ((UnitRole.LEAD, lead_units), (UnitRole.RESPONSIBLE, responsible_units)):
        for position, unit in enumerate(units):
            TaskUnit.objects.create(task=task, unit=unit, role=role, position=position)
    return task


def make_unit(name=None, region=None) -> Unit:
    return Unit.objects.create(name=name or f"测试单位{next(_sequence)}", region=region)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """PBKDF2 costs ~0.3 s per user on the shared CI machine; tests don't need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: cached dashboard figures of one test's data
    must never answer another test (the test database is rolled back, the cache is not)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def shipped_regions(db):
    """The regions of the data migration, back after a live-server test flushed them
    (transactional tests only; in other tests they are there already)."""
    shipped = importlib.import_module("regions.migrations.0002_shipped_regions_and_permissions")
    by_code = {}
    for code, name, parent, short_name, abbreviation in shipped.REGIONS:
        by_code[code], _ = Region.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": by_code.get(parent),
                "short_name": short_name,
                "abbreviation": abbreviation,
                "level": shipped.level(code),
            },
        )
    return by_code
