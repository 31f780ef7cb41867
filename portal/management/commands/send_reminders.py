"""E-mail each unit its reminder digest; safe to run daily from cron (once per unit per day)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.services import reminders_send
from regions.commands import region_ids_option
from tasks.models import DUE_SOON_DAYS


class Command(BaseCommand):
    help = "向各单位用户发送提醒邮件:逾期任务、即将到期任务、未按报送周期报送的任务(每单位每天一次)"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=DUE_SOON_DAYS,
            help=f"提醒多少天内到期的任务(默认{DUE_SOON_DAYS})",
        )
        parser.add_argument("--date", help="统计日期 YYYY-MM-DD(默认今天)")
        parser.add_argument(
            "--region",
            default="",
            help="只提醒该政府及其下级的单位(六位区划代码或名称);默认全部",
        )

    def handle(self, *args, **options):
        if options["days"] < 0:
            raise CommandError("--days 不能为负数")
        as_of = timezone.localdate()
        if options["date"]:
            try:
                as_of = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"日期格式应为 YYYY-MM-DD:{options['date']}") from exc
        region_ids = region_ids_option(options["region"])
        run = reminders_send(as_of=as_of, days=options["days"], region_ids=region_ids)
        for log in run.sent:
            self.stdout.write(f"  {log.unit.full_name}:{log.task_count}项 → {log.recipients}")
        self.stdout.write(f"{as_of:%Y-%m-%d} 已向 {len(run.sent)} 个单位发送提醒。")
        if run.failed:
            for unit, error in run.failed:
                self.stderr.write(f"  {unit.full_name}:发送失败({error})")
            # A non-zero exit makes cron report it; the next run retries only these units.
            raise CommandError(f"{len(run.failed)} 个单位的提醒发送失败,下次运行将重试。")
