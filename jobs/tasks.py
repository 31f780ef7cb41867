"""The task the queue runs; all logic is in `services.job_run`."""

from django_tasks import task

from .services import job_run


@task()
def run_job(job_id: int) -> str:
    return job_run(job_id)
