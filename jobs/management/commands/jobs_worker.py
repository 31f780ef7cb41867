"""Run the background worker of the configured backend: `manage.py jobs_worker`.

TASKS_BACKEND=db (default): Django-tasks' `db_worker` polling the database table;
TASKS_BACKEND=rq: an RQ worker on REDIS_URL. `make run` and the systemd unit call this,
so neither needs to know which backend is configured.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动后台任务处理进程(按 TASKS_BACKEND 选择数据库或 Redis 队列)。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="处理完队列中的任务后退出")

    def handle(self, *args, batch: bool, **options):
        if settings.TASKS_BACKEND == "rq":
            call_command("rqworker", "default", job_class="django_tasks_rq.Job", burst=batch)
        else:
            call_command("db_worker", reload=False, interval=1, batch=batch)
