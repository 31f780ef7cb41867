"""Benchmark the background jobs' work on a synthetic database (issue 14).

    DATABASE_URL=... python bench/exports.py --tasks 10000

In a throw-away database (as bench/run.py) of `--tasks` tasks: the all-tasks ledger
written as a job writes it (xlsxwriter, constant memory, chunks), the bulletin's
figures and workbook, `notices_propose` (bulk) and the 考评 ranking (`--steps` picks
some of them). Time and the
process's peak resident memory (ru_maxrss, which only grows) after each step; results
in bench/results/exports-<vendor>-<tasks>.json. With --keep the generated database is
kept and reused by the next --keep run of the same size (as bench/run.py --keep); what
the steps wrote is deleted afterwards, so each run starts from the same data.
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
        # The machine's 1-minute load average when the step ended (2 cores: above 2, the
        # step waited for a core).
        "load_average": round(os.getloadavg()[0], 1),
        **extra,
    }
    return value


STEPS = ("ledger", "bulletin", "notices", "scores")


def run(tasks: int, steps=STEPS, keep: bool = False) -> dict:
    from django.db import connection

    from bench.generate import generate_dataset
    from bench.run import reused_dataset

    settings_dict = connection.settings_dict
    original_name = settings_dict["NAME"]
    if connection.vendor == "sqlite":
        settings_dict["TEST"]["NAME"] = str(
            Path(tempfile.gettempdir()) / f"bench-exports-{tasks}.sqlite3"
        )
    else:
        settings_dict["TEST"]["NAME"] = f"bench_exports_{original_name}"
    sizes = reused_dataset(settings_dict, tasks) if keep else None
    if sizes is None:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        results = {"vendor": connection.vendor, "tasks": tasks, "cpu_count": os.cpu_count()}
        if sizes is None:
            sizes = generate_dataset(tasks=tasks, units=2000, reports_per_task=3)
            if connection.vendor == "postgresql":
                # Planner statistics for the rows just written, as autovacuum would gather.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            results["peak_rss_mb_after_generate"] = peak_mb()
        else:
            results["reused_database"] = True
        results["dataset"] = sizes
        try:
            _run_steps(results, steps)
        finally:
            if keep:
                _remove_step_rows()
        return results
    finally:
        if keep:
            connection.close()
            settings_dict["NAME"] = original_name
        else:
            connection.creation.destroy_test_db(original_name, verbosity=0)


def _remove_step_rows() -> None:
    """What the steps wrote (notices and their history, the 考评 period and its scores):
    a kept database stays as generated, so the next run measures the same work. The steps
    themselves commit as in production (PostgreSQL checks deferred foreign keys then)."""
    from django.db import connection

    from supervision.models import AssessmentPeriod, EscalationNotice

    # In SQL: a queryset delete() would write a history row per deleted notice.
    with connection.cursor() as cursor:
        for model in (EscalationNotice.history.model, EscalationNotice):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    AssessmentPeriod.objects.all().delete()


def _run_steps(results: dict, steps) -> None:
    from dashboard.bulletin import bulletin_figures, bulletin_write_xlsx
    from dashboard.figures import dashboard_query
    from supervision.models import AssessmentPeriod
    from supervision.services import assessment_compute, notices_propose
    from tasks.ledger import ledger_write_xlsx
    from tasks.models import Task

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
        _measure_scores_page(results, period)


def _measure_scores_page(results: dict, period) -> None:
    """/supervision/scores/ as an office user sees it: the first view computes the ranking
    (then cached until an input changes, and recomputed by the `scores_refresh` job), the
    next ones read it; once published, the stored rows. Median of five views each."""
    import statistics

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from supervision.services import assessment_publish
    from units.roles import OFFICE_GROUP

    office, _ = get_user_model().objects.get_or_create(username="bench-exports-office")
    office.groups.add(Group.objects.get(name=OFFICE_GROUP))
    client = Client(HTTP_HOST="localhost")
    client.force_login(office)
    url = f"/supervision/scores/?period={period.pk}"

    def view_ms() -> float:
        start = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return (time.perf_counter() - start) * 1000

    results["scores_page_first_view"] = {"ms": round(view_ms(), 1)}
    results["scores_page"] = {"median_ms": round(statistics.median(view_ms() for _ in range(5)), 1)}
    assessment_publish(period=period, user=office, today=date(2022, 1, 10))
    results["scores_page_published"] = {
        "median_ms": round(statistics.median(view_ms() for _ in range(5)), 1)
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[10000])
    parser.add_argument(
        "--steps",
        nargs="+",
        choices=STEPS,
        default=list(STEPS),
        help="what to measure (default: all); e.g. --tasks 135000 --steps notices for the "
        "74,000 notices of issue 14",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated database and reuse it on the next run with --keep",
    )
    args = parser.parse_args()
    import django

    django.setup()
    for tasks in args.tasks:
        result = run(tasks, steps=args.steps, keep=args.keep)
        suffix = "" if set(args.steps) == set(STEPS) else "-" + "-".join(args.steps)
        path = ROOT / "bench" / "results" / f"exports-{result['vendor']}-{tasks}{suffix}.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
