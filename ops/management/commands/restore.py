"""Load a `backup` file into an empty, migrated database, all or nothing."""

from pathlib import Path

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ops.backup import database_has_data
from tasks.models import Plan, ProgressReport, Task


class Command(BaseCommand):
    help = "从 backup 生成的 JSON 文件恢复数据(目标库须为空库,先执行 migrate)"

    def add_arguments(self, parser):
        parser.add_argument("file", help="backup 生成的 JSON 文件")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: 文件不存在")
        if database_has_data():
            raise CommandError(
                "目标数据库已有用户或方案数据;恢复只能写入空库"
                "(新建数据库并执行 migrate 后再恢复),以免两套数据混在一起"
            )
        with transaction.atomic():
            # `migrate` created the role groups; the backup brings them back with
            # their original ids and permissions.
            Group.objects.all().delete()
            call_command("loaddata", str(path), verbosity=0)
        self.stdout.write(
            f"已恢复:方案 {Plan.objects.count()},任务 {Task.objects.count()},"
            f"进展报告 {ProgressReport.objects.count()}"
        )
