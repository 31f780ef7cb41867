from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from regions.commands import region_ids_option
from supervision.escalation import notices_escalate


class Command(BaseCommand):
    help = (
        "催办:已下发但逾期未回复的督办单自动升级一级,抄送单位分管领导(每天运行一次;"
        "同一天重复运行不会重复催办)"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按此日期催办(YYYY-MM-DD);默认今天")
        parser.add_argument(
            "--region",
            default="",
            help="只催办该政府及其下级的任务的督办单(六位区划代码或名称);默认全部",
        )

    def handle(self, *args, date=None, region="", **options):
        region_ids = region_ids_option(region)
        day = _parse_date(date) if date else timezone.localdate()
        run = notices_escalate(as_of=day, region_ids=region_ids)
        if not run.working_day:
            self.stdout.write(f"{day:%Y-%m-%d} 不是工作日,不催办。")
            return
        for urge in run.urges:
            notice = urge.notice
            change = (
                f"{urge.get_colour_before_display()} → {urge.get_colour_after_display()}"
                if urge.colour_before != urge.colour_after
                else urge.get_colour_after_display()
            )
            copy = f",抄送{urge.copy_to}" if urge.copy_to else ",未登记分管领导"
            self.stdout.write(
                f"第{urge.sequence}次催办 {notice.task} → {notice.unit}"
                f"({urge.working_days_unanswered}个工作日未回复,{change}{copy})"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{day:%Y-%m-%d} 催办督办单 {len(run.urges)} 份,邮件抄送分管领导 {run.emailed} 份。"
            )
        )
        if run.failed:
            for urge, error in run.failed:
                self.stderr.write(f"  抄送{urge.copy_to}({urge.copy_email})失败:{error}")
            # A non-zero exit makes cron report it; a rerun today retries only these e-mails.
            raise CommandError(
                f"{len(run.failed)} 份催办抄送邮件发送失败,催办已记录;今天再次运行将重试发送。"
            )


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date 日期格式应为 YYYY-MM-DD,例如 2026-03-31:{value}") from exc
