"""What each kind of job does: `exporter(job=, path=, progress=)` writes the file at
`path` and returns the file name the user downloads.

Each exporter re-reads its data in the worker with the permissions of the user who
started the job, so a job's file holds exactly what that user's immediate download
would have held.
"""

from django.core.exceptions import ValidationError

from .choices import JobKind


def export_ledger(*, job, path: str, progress) -> str:
    """The 责任分解表 of the task ids chosen when the job was started, in that order."""
    from tasks.ledger import ledger_write_xlsx

    title = job.params["title"]
    ledger_write_xlsx(path, title=title, task_ids=job.params["task_ids"], progress=progress)
    return f"{title}.xlsx"


def export_bulletin(*, job, path: str, progress) -> str:
    """The monthly bulletin for the job's dashboard filters (as_of fixed when started)."""
    from dashboard.bulletin import bulletin_figures, bulletin_filename, bulletin_write_xlsx
    from dashboard.figures import DashboardQueryError, dashboard_query
    from tasks.models import Task

    try:
        query, tasks = dashboard_query(job.params["query"], base=Task.objects.visible_to(job.user))
    except DashboardQueryError as error:
        raise ValidationError(str(error)) from error
    progress(0, None)
    bulletin_write_xlsx(path, bulletin_figures(tasks, query), progress)
    return bulletin_filename(query)


def export_bulletin_pdf(*, job, path: str, progress) -> str:
    """The monthly bulletin printed to PDF by the server's Chromium (same figures and
    permissions as the Excel bulletin). Progress: the bulletin's rows, all at once when
    the printing ends (Chromium reports no progress of its own)."""
    from dashboard.bulletin import bulletin_figures, bulletin_pdf_filename, bulletin_rows
    from dashboard.figures import DashboardQueryError, dashboard_query
    from printing.documents import bulletin_pdf
    from printing.pdf import PrintError
    from tasks.models import Task

    try:
        query, tasks = dashboard_query(job.params["query"], base=Task.objects.visible_to(job.user))
    except DashboardQueryError as error:
        raise ValidationError(str(error)) from error
    figures = bulletin_figures(tasks, query)
    rows = bulletin_rows(figures)
    progress(0, rows)
    try:
        data = bulletin_pdf(figures, user=job.user)
    except PrintError as error:
        raise ValidationError(str(error)) from error
    with open(path, "wb") as out:
        out.write(data)
    progress(rows, rows)
    return bulletin_pdf_filename(query)


def export_scores(*, job, path: str, progress) -> str:
    """The 考评 ranking of one period, as the user who asked may see it."""
    from supervision.views import scores_workbook_for

    period_id = job.params["period"]
    workbook, filename = scores_workbook_for(user=job.user, period_id=period_id)
    workbook.save(path)
    progress(1, 1)
    return filename


EXPORTERS = {
    JobKind.LEDGER: export_ledger,
    JobKind.BULLETIN: export_bulletin,
    JobKind.BULLETIN_PDF: export_bulletin_pdf,
    JobKind.SCORES: export_scores,
}
