"""Benchmark the background jobs' work on a synthetic database (issue 14).

    DATABASE_URL=... python bench/exports.py --tasks 10000

In a throw-away database (as bench/run.py) of `--tasks` tasks: the all-tasks ledger
written as a job writes it (xlsxwriter, constant memory, chunks), the bulletin's
figures and workbook, `notices_propose` (bulk) and the 考评 ranking (`--steps` picks
some of them). Time and the
process's peak resident memory (ru_maxrss, which only grows) after each step; results
in bench/results/exports-<vendor>-<tasks>.json.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def timed(results: dict, name: str, func, **extra):
    start, cpu_start = time.perf_counter(), time.process_time()
    value = func()
    results[name] = {
        "seconds": round(time.perf_counter() - start, 2),
        # This process's CPU time (not the database's): on a shared machine the wall
        # clock also counts waiting for a core.
        "python_cpu_seconds": round(time.process_time() - cpu_start, 2),
        "peak_rss_mb": peak_mb(),
        **extra,
    }
    return value


STEPS = ("ledger", "bulletin", "notices", "scores")


def run(tasks: int, steps=STEPS) -> dict:
    from django.db import connection

    from bench.generate import generate_dataset
    from dashboard.bulletin import bulletin_figures, bulletin_write_xlsx
    from dashboard.figures import dashboard_query
    from supervision.models import AssessmentPeriod
    from supervision.services import assessment_compute, notices_propose
    from tasks.ledger import ledger_write_xlsx
    from tasks.models import Task

    settings_dict = connection.settings_dict
    original_name = settings_dict["NAME"]
    if connection.vendor == "sqlite":
        settings_dict["TEST"]["NAME"] = str(
            Path(tempfile.gettempdir()) / f"bench-exports-{tasks}.sqlite3"
        )
    else:
        settings_dict["TEST"]["NAME"] = f"bench_exports_{original_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        results = {"vendor": connection.vendor, "tasks": tasks, "cpu_count": os.cpu_count()}
        results["dataset"] = generate_dataset(tasks=tasks, units=2000, reports_per_task=3)
        results["peak_rss_mb_after_generate"] = peak_mb()
        out = Path(tempfile.mkdtemp()) / "export.xlsx"
        if "ledger" in steps:
            ids = list(Task.objects.order_by("plan", "number").values_list("pk", flat=True))
            timed(
                results,
                "ledger_all_tasks",
                lambda: ledger_write_xlsx(out, title="全部任务", task_ids=ids),
                rows=len(ids),
            )
            results["ledger_all_tasks"]["bytes"] = out.stat().st_size
        if "bulletin" in steps:
            query, qs = dashboard_query({"as_of": "2021-12-31"})
            figures = timed(results, "bulletin_figures", lambda: bulletin_figures(qs, query))
            timed(
                results,
                "bulletin_workbook",
                lambda: bulletin_write_xlsx(out, figures),
                overdue_rows=len(figures["overdue"]),
            )
        if "notices" in steps:
            notices = timed(
                results, "propose_notices", lambda: notices_propose(as_of=date(2021, 12, 31))
            )
            results["propose_notices"]["notices"] = len(notices)
        if "scores" in steps:
            period = AssessmentPeriod.objects.create(
                name="2021年度", starts_on=date(2021, 1, 1), ends_on=date(2021, 12, 31)
            )
            scores = timed(
                results,
                "scores",
                lambda: assessment_compute(period=period, today=date(2022, 1, 10)),
            )
            results["scores"]["units"] = len(scores)
        return results
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[10000])
    parser.add_argument(
        "--steps",
        nargs="+",
        choices=STEPS,
        default=list(STEPS),
        help="what to measure (default: all); e.g. --tasks 90000 --steps notices for the "
        "74,000 notices of issue 14",
    )
    args = parser.parse_args()
    import django

    django.setup()
    for tasks in args.tasks:
        result = run(tasks, steps=args.steps)
        suffix = "" if set(args.steps) == set(STEPS) else "-" + "-".join(args.steps)
        path = ROOT / "bench" / "results" / f"exports-{result['vendor']}-{tasks}{suffix}.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
