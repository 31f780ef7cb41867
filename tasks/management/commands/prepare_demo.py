"""Give the demo database a picture of several governments (`make run`, after load_policies).

Sets each fixture plan's issuing government when the importer left it empty, hands
湖南省's 各市州人民政府 down to its 14 cities and prefectures, and proposes links from
湘潭's 2022 plan to 湖南省's plan. Running it again changes nothing.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from regions.models import Region
from tasks.assignments import tasks_fan_out
from tasks.links import task_links_propose
from tasks.models import Plan, TaskLink
from units.models import Unit
from units.roles import OFFICE_GROUP

# The government that issued each fixture plan (GB/T 2260), used only where the importer
# did not determine it.
FIXTURE_REGIONS = {
    "2020-xiangxi-work-plan.txt": "433100",
    "2020-xiangyang-implementation-plan.txt": "420600",
    "2021-hunan-task-division-plan.txt": "430000",
    "2021-lengshuitan-implementation-plan.txt": "431103",
    "2022-xiangtan-ten-key-tasks.txt": "430300",
}
HUNAN = "2021-hunan-task-division-plan.txt"
XIANGTAN = "2022-xiangtan-ten-key-tasks.txt"
COLLECTIVE = "各市州人民政府"


class Command(BaseCommand):
    help = (
        "演示数据:方案所属政府、湖南省方案“各市州人民政府”分解交办、湘潭方案与省方案的任务关联建议"
    )

    @transaction.atomic
    def handle(self, *args, **options):
        plans = {
            plan.source_file: plan for plan in Plan.objects.filter(source_file__in=FIXTURE_REGIONS)
        }
        if HUNAN not in plans or XIANGTAN not in plans:
            raise CommandError("请先导入五个示例方案(manage.py load_policies)")
        for source_file, plan in plans.items():
            if plan.region_id is None:
                plan.region = Region.objects.get(code=FIXTURE_REGIONS[source_file])
                plan.save(update_fields=["region"])
        self.stdout.write("方案所属政府:")
        for plan in plans.values():
            self.stdout.write(f"  {plan.region.display_name}:{plan.title}")

        hunan = plans[HUNAN]
        office = get_user_model().objects.filter(groups__name=OFFICE_GROUP, is_superuser=False)
        actor = office.first() or _demo_office()
        collective = (
            Unit.objects.filter(name=COLLECTIVE, is_collective=True, task_units__task__plan=hunan)
            .distinct()
            .first()
        )
        if collective is not None:
            tasks = list(hunan.tasks.filter(task_units__unit=collective).distinct())
            created = tasks_fan_out(tasks=tasks, collective=collective, user=actor)
            self.stdout.write(
                f"湖南省方案:{len(tasks)} 项任务的“{COLLECTIVE}”已分解交办到 14 个市州人民政府"
                f"(本次新增 {len(created)} 个承办)"
            )

        xiangtan = plans[XIANGTAN]
        if xiangtan.upstream_id is None:
            xiangtan.upstream = hunan
            xiangtan.save(update_fields=["upstream"])
        task_links_propose(plan=xiangtan, user=actor)
        links = TaskLink.objects.filter(downstream__plan=xiangtan).select_related(
            "downstream", "upstream"
        )
        self.stdout.write(
            f"湘潭方案 → 湖南省方案:{links.count()} 条任务关联建议(后台“上下级任务关联”确认):"
        )
        for link in links:
            self.stdout.write(
                f"  湘潭{link.downstream.number} → 湖南{link.upstream.number}"
                f"(相似度 {link.similarity},{link.get_status_display()})"
            )


def _demo_office():
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username="office")
    user.groups.add(Group.objects.get(name=OFFICE_GROUP))
    return user
