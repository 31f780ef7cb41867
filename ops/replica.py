"""Optional read replica: the dashboard and exports read from it, nothing writes to it.

With DATABASE_REPLICA_URL set, settings add the database alias "replica" (a PostgreSQL
streaming replica of "default") and install `ReplicaRouter`. Code that only reads a large
part of the data and tolerates a second of replication lag wraps its reads in
`replica_reads()`: the dashboard pages (dashboard.views.dashboard_access) and the export
jobs (jobs.services.job_run). Everything else, and every write anywhere, uses "default".

Only the models of the task data go to the replica. Sessions, users and groups, the
cache table, login lockouts, the message bell and jobs stay on "default": they decide
what happens next (who is logged in, whether a job is already running), where a stale
answer would be wrong. `replica_reads()` also works as a decorator.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
# Apps whose rows the dashboard and the exports read in bulk.
REPLICA_APPS = frozenset({"tasks", "deadlines", "units", "regions", "supervision"})

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads():
    """Within this block, reads of the task data go to the replica when one is configured."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    """Reads inside `replica_reads()` of REPLICA_APPS models → "replica"; all else → "default"."""

    def db_for_read(self, model, **hints):
        if (
            _reading_from_replica.get()
            and model._meta.app_label in REPLICA_APPS
            and replica_configured()
        ):
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows: an object read from the replica may be linked
        # to one read from default.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica is a copy made by PostgreSQL replication, never migrated by Django.
        return db == "default"
