from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from reviews.demo import demo_extension_in_review
from supervision.demo import script_year_2022
from supervision.escalation import escalation_demo
from supervision.models import AssessmentPeriod
from supervision.services import assessment_compute, instruction_write
from tasks.models import Plan, Task
from tasks.services import task_complete_verify

PERIOD = "2022年度(演示)"


class Command(BaseCommand):
    help = (
        "在湘潭2022年方案上生成一年的督办演示数据:有差异的考评排名、逾期办结的任务、"
        "待审批的延期申请和一条领导批示(需先导入方案并创建演示账号;已生成则跳过)"
    )

    def handle(self, *args, **options):
        # Demo data must never stop `make run`: any problem is reported and nothing is kept.
        try:
            with transaction.atomic():
                self._generate()
                escalation_demo(stdout=self.stdout)
        except (CommandError, ValidationError, LookupError, IndexError, KeyError) as exc:
            self.stderr.write(f"督办演示数据未生成:{exc}")

    def _generate(self):
        if AssessmentPeriod.objects.filter(name=PERIOD).exists():
            self.stdout.write(f"督办演示数据已存在(考评周期“{PERIOD}”),跳过")
            return
        plan = Plan.objects.filter(source_file__startswith="2022-xiangtan").first()
        users = get_user_model().objects.in_bulk(
            ["office", "leader", "xtspj"], field_name="username"
        )
        if plan is None or len(users) < 3:
            raise CommandError("请先导入方案(load_policies)并创建演示账号(create_demo_accounts)")
        office, leader, unit_user = users["office"], users["leader"], users["xtspj"]
        period, _, tasks = script_year_2022(
            plan=plan, office=office, unit_user=unit_user, period_name=PERIOD
        )

        late = Task.objects.get(pk=tasks[9].pk)
        task_complete_verify(
            task=late, user=office, expected_version=late.version, completed_on=date(2023, 1, 10)
        )
        instruction_write(
            user=leader,
            text="请市行政审批局抓紧办理红色督办单,本月底前报告落实情况。",
            task=Task.objects.get(pk=tasks[1].pk),
        )
        scores = assessment_compute(period=period)
        self.stdout.write(f"督办演示数据:{plan.title}")
        self.stdout.write(f"  考评周期“{period.name}”:{len(scores)}个单位")
        for score in scores[:3] + scores[-1:]:
            tie = "(并列)" if score.tied else ""
            self.stdout.write(f"    第{score.rank}名{tie} {score.unit.name} {score.total}")
        self.stdout.write(f"  逾期办结:第9项({late.late_mark or '—'})")
        self.stdout.write("  待审批延期:第4项(退回后已答复,待优化办初审);领导批示:第1项")
        demo_extension_in_review(
            task=Task.objects.get(pk=tasks[4].pk), office=office, unit_user=unit_user
        )
