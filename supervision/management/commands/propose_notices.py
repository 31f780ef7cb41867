from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from regions.commands import region_ids_option
from supervision.services import notices_propose
from tasks.models import Task
from units.models import Unit


class Command(BaseCommand):
    help = "Propose today's escalation notices (督办单) for the office to confirm in the admin."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", help="Judge the tasks as of this date (YYYY-MM-DD); default today"
        )
        parser.add_argument(
            "--region",
            default="",
            help="只为该政府及其下级的任务生成(六位区划代码或名称);默认全部",
        )

    def handle(self, *args, as_of=None, region="", **options):
        region_ids = region_ids_option(region)
        if as_of:
            try:
                day = date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(
                    f"--as-of 日期格式应为 YYYY-MM-DD,例如 2026-03-31:{as_of}"
                ) from exc
        else:
            day = timezone.localdate()
        notices = notices_propose(as_of=day, region_ids=region_ids)
        # Tasks and units read once, not per line (74,000 notices on a large day).
        tasks = Task.objects.in_bulk({notice.task_id for notice in notices})
        units = Unit.objects.select_related("region").in_bulk({n.unit_id for n in notices})
        for notice in notices:
            task, unit = tasks[notice.task_id], units[notice.unit_id]
            self.stdout.write(f"{notice.get_colour_display()} {task} → {unit}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{day:%Y-%m-%d} 生成督办单建议 {len(notices)} 份,请在后台确认后下发。"
            )
        )
