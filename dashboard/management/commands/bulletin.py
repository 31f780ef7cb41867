"""Write the monthly bulletin (月通报) workbook: `manage.py bulletin --as-of 2021-05-31 --out f.xlsx`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dashboard.bulletin import bulletin_bytes, bulletin_figures, bulletin_filename
from dashboard.figures import DashboardQueryError, dashboard_query


class Command(BaseCommand):
    help = "生成月度通报 Excel:截至 --as-of 的单位情况、逾期清单和本月销号任务。"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="统计日期 YYYY-MM-DD,默认今天")
        parser.add_argument("--out", help="输出文件,默认 bulletin-<日期>.xlsx")
        parser.add_argument("--plan", help="只统计该方案(ID)")
        parser.add_argument("--issuer", help="只统计该发文单位的方案")

    def handle(self, *args, **options):
        params = {key: options.get(key) for key in ("as_of", "plan", "issuer")}
        try:
            query, tasks = dashboard_query(params)
        except DashboardQueryError as error:
            raise CommandError(str(error)) from error
        figures = bulletin_figures(tasks, query)
        out = Path(options["out"] or bulletin_filename(query))
        out.write_bytes(bulletin_bytes(figures))
        self.stdout.write(
            f"通报已写入 {out}:截至 {query.as_of},逾期 {len(figures['overdue'])} 项,"
            f"本月销号 {len(figures['newly_completed'])} 项。"
        )
