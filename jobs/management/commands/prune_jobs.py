"""Delete finished exports older than JOB_FILES_KEEP_DAYS: `manage.py prune_jobs [--days N]`.

Run it daily from cron (beside `prune_db_task_results`, which cleans the queue's table).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs.services import jobs_prune


class Command(BaseCommand):
    help = "删除超过保留期的导出文件及其记录(默认保留 JOB_FILES_KEEP_DAYS 天)。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=settings.JOB_FILES_KEEP_DAYS, help="保留天数"
        )

    def handle(self, *args, days: int, **options):
        if days < 0:
            raise CommandError("--days 不能为负数")
        count = jobs_prune(days=days)
        self.stdout.write(f"已删除 {count} 个超过 {days} 天的导出。")
