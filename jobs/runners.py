"""Background work that leaves no file: `runner(job=, progress=)` does the work and
returns a one-line summary shown on the job's page (`Job.result`).

Like the exporters, a runner re-reads everything in the worker from the job's
parameters and the permissions of the user who started it.
"""

from datetime import date

from django.core.exceptions import ValidationError

from .choices import JobKind


def run_reminders(*, job, progress) -> str:
    """send_reminders for the units of the starting office's governments (all units for a
    system-wide office), as the command does; units that failed make the job fail with
    their names, and a retry sends only to them (the others are logged as sent)."""
    from portal.services import reminders_send

    as_of = date.fromisoformat(job.params["as_of"])
    run = reminders_send(
        as_of=as_of,
        days=job.params["days"],
        region_ids=job.params["region_ids"],
        progress=progress,
    )
    sent = f"{as_of:%Y-%m-%d} 已向 {len(run.sent)} 个单位发送提醒"
    if run.failed:
        names = "、".join(f"{unit.full_name}({error})" for unit, error in run.failed)
        raise ValidationError(
            f"{sent};{len(run.failed)} 个单位发送失败:{names}。重试时只向这些单位发送。"
        )
    return f"{sent}。"


def run_plan_import(*, job, progress) -> str:
    """An uploaded plan confirmed in the admin, imported as the request would have (one
    transaction, ImportLog), from the document kept in the job's parameters."""
    from ops.choices import ImportVia
    from ops.services import plan_import_logged
    from regions.models import Region
    from tasks import rules
    from tasks.importer import SourceDocument, parse_source, plan_government_detect
    from tasks.services import known_regions

    if not rules.can_manage(job.user):
        raise ValidationError("发起人已无权导入方案")
    params = job.params
    source = SourceDocument.from_session(params["source"])
    progress(0, None)
    parsed = plan_government_detect(parse_source(source, year=params["year"]), known_regions())
    result = plan_import_logged(
        parsed=parsed,
        source_file=params["source_file"],
        source_text=source.text,
        via=ImportVia.ADMIN,
        user=job.user,
        region=Region.objects.get(pk=params["region_id"]),
        progress=progress,
    )
    return (
        f"已导入《{result.title}》:新增任务 {result.tasks_created} 项,"
        f"更新 {result.tasks_updated} 项。"
    )


def run_propose_notices(*, job, progress) -> str:
    """propose_notices for the starting office's governments (all for a system-wide
    office), in bulk and in one transaction as the command does."""
    from supervision.services import notices_propose

    as_of = date.fromisoformat(job.params["as_of"])
    progress(0, None)
    notices = notices_propose(as_of=as_of, region_ids=job.params["region_ids"], user=job.user)
    progress(len(notices), len(notices))
    return f"{as_of:%Y-%m-%d} 生成督办单建议 {len(notices)} 份,请在“待确认督办单”中确认后下发。"


RUNNERS = {
    JobKind.REMINDERS: run_reminders,
    JobKind.PLAN_IMPORT: run_plan_import,
    JobKind.PROPOSE_NOTICES: run_propose_notices,
}
# Work done in one transaction: its progress is written on a connection of its own.
ONE_TRANSACTION_KINDS = {JobKind.PLAN_IMPORT, JobKind.PROPOSE_NOTICES}
