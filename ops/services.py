"""Operational writes: recording what each plan import did."""

from django.db import DatabaseError, InterfaceError

from tasks.importer.parsed import ParsedPlan
from tasks.services import PlanImportResult, plan_import

from .choices import ImportOutcome, ImportVia
from .models import ImportLog


def import_log_record(
    *,
    source_file: str,
    via: ImportVia,
    user=None,
    result: PlanImportResult | None = None,
    error: str = "",
) -> ImportLog:
    """Store one import attempt: the result's counts, or the error when it failed."""
    log = ImportLog(source_file=source_file, via=via, user=user, error=error)
    if result is None:
        log.outcome = ImportOutcome.FAILED
    else:
        log.outcome = result.outcome
        log.plan_id = result.plan_id
        log.tasks_total = result.tasks_total
        log.tasks_created = result.tasks_created
        log.tasks_updated = result.tasks_updated
        log.units_new = result.units_new
        log.warnings = list(result.warnings)
    log.full_clean()
    log.save()
    return log


def plan_import_logged(
    *,
    parsed: ParsedPlan,
    source_file: str,
    source_text: str,
    via: ImportVia,
    user=None,
    region=None,
    progress=None,
) -> PlanImportResult:
    """Run `plan_import` for real and record it in ImportLog, also when it fails.

    Not atomic on purpose: `plan_import` rolls its own transaction back on error, and
    the failure record must survive that rollback. Dry runs are previews and are not
    logged; call `plan_import(dry_run=True)` for those.
    """
    try:
        result = plan_import(
            parsed=parsed,
            source_file=source_file,
            source_text=source_text,
            region=region,
            progress=progress,
        )
    except Exception as exc:
        try:
            import_log_record(source_file=source_file, via=via, user=user, error=str(exc))
        except (DatabaseError, InterfaceError):
            pass  # the database itself is down: the original error is what matters
        raise
    import_log_record(source_file=source_file, via=via, user=user, result=result)
    return result


def plan_import_job_start(*, user, source, year, source_file: str, region):
    """Import a confirmed upload in a background job (a plan above
    IMPORT_IMMEDIATE_MAX_TASKS tasks): the document goes into the job's parameters and
    the worker parses and imports it as `plan_import_logged` does in the request. A
    second confirmation of the same document joins the job instead of importing twice."""
    from jobs.choices import JobKind
    from jobs.services import job_start

    params = {
        "source": source.to_session(),
        "year": year,
        "source_file": source_file,
        "region_id": region.pk,
    }
    return job_start(
        kind=JobKind.PLAN_IMPORT, params=params, user=user, title=f"导入方案 {source_file}"
    )
