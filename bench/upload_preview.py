"""Benchmark the admin plan upload preview (issue 13): time and queries per plan size.

    python bench/upload_preview.py --tasks 1000 [--format txt|docx|xlsx]

Creates a throw-away SQLite database in a temporary folder, writes a synthetic plan of
N tasks (each with a lead unit, responsible units and a deadline; 1,000 tasks is about
the largest real plan), uploads it as an office user through Django's test client and
measures the preview: median / max time of three runs and the SQL query count. Results
go to bench/results/upload-preview-<format>-<tasks>.json. Target: a 1,000-task preview
in under 3 s, and the same query count for every size.
"""

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")


def plan_text(tasks: int) -> str:
    """A plan of `tasks` tasks in sections of 50, numbered again from 1 in each section
    (as many long plans are; the importer numbers them through)."""
    from tasks.importer.tables import chinese_numeral

    lines = ["某市2023年深化“放管服”改革优化营商环境重点任务分工方案"]
    for number in range(1, tasks + 1):
        if number % 50 == 1:
            lines.append(f"{chinese_numeral(number // 50 + 1)}、第{number // 50 + 1}组重点任务")
        lines.append(
            f"{(number - 1) % 50 + 1}.深入推进第{number}项改革事项,完善配套制度,"
            f"2023年6月底前出台实施细则。(牵头单位:市单位{number % 150};"
            f"责任单位:市单位{(number + 7) % 150}、市单位{(number + 11) % 150},"
            f"各县市区人民政府;完成时限:2023年{number % 12 + 1}月底)"
        )
    return "\n".join(lines) + "\n"


def document(tasks: int, kind: str) -> tuple[str, bytes]:
    text = plan_text(tasks)
    if kind == "txt":
        return "plan.txt", text.encode()
    from tasks.importer import parse_document
    from tests.document_builders import docx_from_text, xlsx_from_plan

    if kind == "docx":
        return "plan.docx", docx_from_text(text)
    return "plan.xlsx", xlsx_from_plan(parse_document(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[1000])
    parser.add_argument("--format", choices=["txt", "docx", "xlsx"], default="txt")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="bench-upload-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from units.roles import OFFICE_GROUP

    setup_test_environment()
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    user = get_user_model().objects.create_user("bench-office", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=OFFICE_GROUP))
    client = Client()
    client.force_login(user)

    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    for size in args.tasks:
        name, data = document(size, args.format)
        timings, queries = [], None
        for _ in range(3):
            from django.core.files.uploadedfile import SimpleUploadedFile

            upload = SimpleUploadedFile(name, data)
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.post("/admin/tasks/plan/upload/", {"document": upload})
                timings.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
            assert response.context["result"].tasks_total == size, "preview lost tasks"
            queries = len(captured)
        result = {
            "format": args.format,
            "tasks": size,
            "bytes": len(data),
            "median_s": round(statistics.median(timings), 3),
            "max_s": round(max(timings), 3),
            "queries": queries,
        }
        out = results_dir / f"upload-preview-{args.format}-{size}.json"
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
