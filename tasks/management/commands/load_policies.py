"""Import policy documents (.txt, .docx, .doc/.wps, .pdf, .html, .xlsx) into plans, tasks,
units and deadlines."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ops.choices import ImportVia
from ops.services import import_log_record, plan_import_logged
from regions.models import Region
from tasks.importer import SUFFIXES, parse_source, plan_government_detect, read_source
from tasks.importer.parsed import DocumentError
from tasks.models import Plan
from tasks.services import PlanImportResult, known_regions, plan_import
from units.services import unit_aliases_load


class Command(BaseCommand):
    help = (
        "导入改革方案文件:.txt/.docx/.doc/.wps/.pdf/.html/.xlsx"
        "(不带参数时导入 fixtures/policies/ 下的全部文件)"
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="方案文件或目录")
        parser.add_argument(
            "--year", type=int, default=None, help="方案年度(文件中没有写明年度时必须指定)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只显示将要导入的内容,不写入数据库"
        )
        parser.add_argument(
            "--region",
            default="",
            help="发文政府(区划代码或名称,如 430300 或 湘潭市);不填时从文件的文号、发文单位和标题识别",
        )
        parser.add_argument(
            "--aliases",
            default=str(settings.UNIT_ALIAS_FIXTURE),
            help="单位别名 CSV(unit,alias),导入前加载;传空字符串跳过",
        )

    def handle(self, *args, paths, dry_run, aliases, region, year=None, **options):
        if year is not None and not 1949 <= year <= 2100:
            raise CommandError(f"--year {year}: 年度应在 1949—2100 之间")
        files = self._collect_files(paths or [str(settings.POLICY_FIXTURES_DIR)])
        self._require_migrated()
        given_region = None
        if region.strip():
            given_region = Region.objects.find(region)
            if given_region is None:
                raise CommandError(
                    f"区划“{region}”不存在:请填写已加载的区划代码或名称(可先用 load_regions 加载)"
                )
        regions = known_regions()
        # Read and parse everything first: a bad file stops the run before any write.
        documents = []
        for path in files:
            try:
                source = read_source(path)
                text = source.text
                parsed = parse_source(source, year=year)
                documents.append((path, text, plan_government_detect(parsed, regions)))
            except DocumentError as exc:
                if not dry_run:
                    import_log_record(source_file=path.name, via=ImportVia.COMMAND, error=str(exc))
                raise CommandError(f"{path}: {exc}") from exc
        undetermined = [
            (path, parsed)
            for path, _, parsed in documents
            if given_region is None
            and parsed.region_code is None
            and not Plan.objects.filter(source_file=path.name, region__isnull=False).exists()
        ]
        if undetermined:
            details = ";".join(
                f"{path}({'可能是 ' + '、'.join(parsed.region_candidates) if parsed.region_candidates else '文号、发文单位和标题中没有已知的区划'})"
                for path, parsed in undetermined
            )
            raise CommandError(
                f"无法确定发文政府:{details}。请用 --region <区划代码或名称> 指定,未写入任何数据"
            )

        if aliases and not dry_run:
            try:
                alias_warnings = []
                unit_aliases_load(path=Path(aliases), warnings=alias_warnings)
            except (OSError, ValidationError) as exc:
                raise CommandError(f"单位别名文件 {aliases}: {exc}") from exc
            for warning in alias_warnings:
                self.stdout.write(self.style.WARNING(f"单位别名文件:{warning}"))

        for path, text, parsed in documents:
            if dry_run:
                result = plan_import(
                    parsed=parsed,
                    source_file=path.name,
                    source_text=text,
                    dry_run=True,
                    region=given_region,
                )
            else:
                # Recorded in ImportLog (admin: 运行维护 › 导入记录), failures included.
                result = plan_import_logged(
                    parsed=parsed,
                    source_file=path.name,
                    source_text=text,
                    via=ImportVia.COMMAND,
                    region=given_region,
                )
            self._report(result, parsed if dry_run else None)

    def _collect_files(self, paths: list[str]) -> list[Path]:
        files: list[Path] = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                found = sorted(
                    p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                )
                if not found:
                    raise CommandError(f"{path}: 目录中没有可导入的方案文件({'、'.join(SUFFIXES)})")
                files.extend(found)
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"{path}: 文件或目录不存在")
        names = [p.name for p in files]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise CommandError(f"文件名重复:{', '.join(duplicates)}(方案以文件名区分)")
        return files

    def _require_migrated(self) -> None:
        """Say so plainly when the database has no tables yet (also for --dry-run)."""
        from django.db import DatabaseError, connection
        from django.db.migrations.executor import MigrationExecutor

        try:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as exc:
            raise CommandError(f"无法连接数据库:{exc}") from exc
        if pending:
            raise CommandError(
                f"数据库尚未迁移(还有 {len(pending)} 个迁移未执行):"
                "请先运行 python manage.py migrate"
            )

    def _report(self, result: PlanImportResult, parsed) -> None:
        outcome = {"created": "新建", "updated": "更新", "unchanged": "未变化"}[result.outcome]
        prefix = "[试运行] " if result.dry_run else ""
        self.stdout.write(f"{prefix}{result.source_file}: {result.title} — {outcome}")
        if result.region is not None:
            self.stdout.write(f"  发文政府:{result.region.name}({result.region.code or '无代码'})")
        if result.outcome == "unchanged":
            self.stdout.write("  文件内容未变化,未写入任何数据")
            return
        self.stdout.write(
            f"  任务 {result.tasks_total} 项(新增 {result.tasks_created},更新 {result.tasks_updated});"
            f"单位 新增 {result.units_new},已有 {result.units_existing}"
        )
        self.stdout.write(
            f"  完成时限:文件规定 {result.deadlines_document},方案年底默认 {result.deadlines_default},"
            f"长期坚持 {result.deadlines_ongoing};时间节点 {result.milestones}"
        )
        if parsed is not None:
            for task in parsed.tasks:
                deadline = "长期坚持" if task.deadline.is_ongoing else task.deadline.due_on
                self.stdout.write(
                    f"    {task.number}. {task.title} | 牵头:{'、'.join(task.lead_units) or '—'}"
                    f" | 责任:{'、'.join(task.responsible_units) or '—'} | 时限:{deadline}"
                )
        self.stdout.write(f"  提示 {len(result.warnings)} 条")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"    {warning}"))
