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


RUNNERS = {
    JobKind.REMINDERS: run_reminders,
}
