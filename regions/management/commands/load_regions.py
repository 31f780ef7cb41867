from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from regions.services import regions_load


class Command(BaseCommand):
    help = (
        "从 CSV(code,name,parent_code[,short_name,abbreviation])导入行政区划;默认导入自带的区划表。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="CSV 文件;省略时为 fixtures/regions.csv")

    def handle(self, *args, path=None, **options):
        path = Path(path) if path else settings.REGION_FIXTURE
        try:
            result = regions_load(path=path)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(
            f"行政区划:新增 {result.created},更新 {result.updated},未变化 {result.unchanged}"
        )
