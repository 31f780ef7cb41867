"""Write the whole database (history included) to one JSON file that `restore` reads."""

import os
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from ops.backup import EXCLUDED_FROM_BACKUP


class Command(BaseCommand):
    help = "备份数据库(方案、任务、进展报告、单位、用户及全部历史记录)到一个 JSON 文件"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="备份文件路径,例如 backup-2026-11-30.json")

    def handle(self, *args, out, **options):
        target = Path(out)
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent}: 目录不存在")
        partial = target.with_name(target.name + ".partial")
        # One consistent snapshot even while users keep reporting.
        snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
        with transaction.atomic():
            if snapshot:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            call_command(
                "dumpdata",
                exclude=EXCLUDED_FROM_BACKUP,
                natural_foreign=True,
                output=str(partial),
                verbosity=0,
            )
        # Only a complete file gets the requested name.
        os.replace(partial, target)
        size_kb = target.stat().st_size / 1024
        self.stdout.write(f"已备份到 {target}({size_kb:.0f} KB)")
