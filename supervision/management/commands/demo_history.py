import time

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dashboard.models import DemoSetting
from supervision.demo_history import DEMO_AS_OF, HISTORY_PLANS, PERIOD, write_history
from supervision.models import AssessmentPeriod
from tasks.models import Plan


class Command(BaseCommand):
    help = (
        "为四个示例方案(湘潭2022年方案除外)生成按各方案日期展开的工作历史:月度报送、签收、"
        "延期、按期与逾期销号、各颜色督办单、领导批示和已发布的2020年度考评;并把看板的"
        "默认日期设为演示日期(需先导入方案并创建演示账号;已生成则跳过)"
    )

    def handle(self, *args, **options):
        # Demo data must never stop `make run`: any problem is reported and nothing is kept.
        try:
            with transaction.atomic():
                self._generate()
        except (CommandError, ValidationError, PermissionDenied, LookupError) as exc:
            self.stderr.write(f"演示历史未生成:{exc}")

    def _generate(self):
        if AssessmentPeriod.objects.filter(name=PERIOD).exists():
            self.stdout.write(f"演示历史已存在(考评周期“{PERIOD}”),跳过")
            self._set_demo_date()
            return
        if Plan.objects.filter(source_file__in=HISTORY_PLANS).count() < len(HISTORY_PLANS):
            raise CommandError("请先导入五个示例方案(load_policies)")
        users = get_user_model().objects.in_bulk(["office", "leader"], field_name="username")
        if len(users) < 2:
            raise CommandError("请先创建演示账号(create_demo_accounts)")
        started = time.monotonic()
        history = write_history(office=users["office"], leader=users["leader"])
        profiles = list(history.profiles.values())
        self.stdout.write(f"演示历史({time.monotonic() - started:.0f} 秒):")
        self.stdout.write(
            f"  牵头单位 {len(profiles)} 个:认真 {profiles.count('diligent')}、"
            f"拖延 {profiles.count('slow')}、沉默 {profiles.count('silent')}"
        )
        self.stdout.write(
            f"  进展报告 {history.reports} 份;按期销号 {len(history.completed_on_time)} 项,"
            f"逾期销号 {len(history.completed_late)} 项;延期 {len(history.extensions)} 项"
        )
        self.stdout.write(
            f"  督办单下发 {history.notices_issued} 份,已回复 {history.notices_answered} 份;"
            f"领导批示 {len(history.instructions)} 条"
        )
        if history.period is not None:
            self.stdout.write(f"  考评周期“{history.period.name}”已发布")
        self._set_demo_date()

    def _set_demo_date(self):
        DemoSetting.objects.update_or_create(
            pk=1,
            defaults={"as_of": DEMO_AS_OF, "note": "演示数据(manage.py demo_history)"},
        )
        self.stdout.write(f"  看板默认日期:{DEMO_AS_OF:%Y年%m月%d日}(演示数据)")
