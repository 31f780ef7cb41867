"""Cached figures for the dashboard, the bulletin page and the 考评 scores.

At month end twenty leaders refresh the same dashboard; its figures are computed once
and served from the cache until the data behind them changes. A cached entry is keyed
by the figures' *generation* — a token replaced whenever a task, deadline, report,
unit link, notice or other input is saved or deleted (`figures_changed`, connected to
those models' signals in `DashboardConfig.ready`) — and by the exact task query (the
viewer's visible scope and filters, so a region-scoped viewer never gets another
region's numbers), the date and the options. So a cached number is always the number
the uncached computation gives for the same data.

Writes that bypass model signals (`QuerySet.update()`, raw SQL) do not replace the
token; DASHBOARD_CACHE_SECONDS bounds how long such a change can go unseen. Several
app processes must share the cache (the database cache, `DJANGO_DB_CACHE`, is the
default in production; or Redis) so that one process's write invalidates every
process's entries.
"""

import hashlib
import pickle
import threading
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "figures:generation"


# Changes this process made inside a transaction that has not committed yet: figures
# read inside that transaction (a test, or code that writes then reads) must not come
# from entries cached before those changes. Outside transactions only the shared token
# counts, so every process shares the entries.
_uncommitted_changes = 0


def figures_generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.add(GENERATION_KEY, generation, timeout=None)
        generation = cache.get(GENERATION_KEY, generation)
    if transaction.get_connection().in_atomic_block:
        return f"{generation}:{_uncommitted_changes}"
    return generation


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def figures_changed(**kwargs) -> None:
    """Invalidate every cached figure (a signal receiver: takes and ignores the signal's
    arguments). The shared token is replaced once the change is committed — once per
    transaction, however many rows it saves (an import saves thousands) — by a new random
    token, not a counter: two writers can never produce the same next value."""
    global _uncommitted_changes
    _uncommitted_changes += 1
    once_on_commit("figures", _new_generation)


# Per thread, as Django's database connections are: what is waiting for this thread's
# transaction to commit.
_pending = threading.local()


def once_on_commit(name: str, func) -> None:
    """Run `func` after the current transaction commits (at once outside one), once
    however many times this is called before the commit: each call only registers a
    callback that does nothing unless `name` is still pending."""
    waiting = _pending.__dict__.setdefault("names", set())
    waiting.add(name)

    def run_if_pending():
        if name in waiting:
            waiting.discard(name)
            func()

    transaction.on_commit(run_if_pending)


def figures_key(*parts) -> str:
    raw = pickle.dumps((figures_generation(), *parts))
    return "figures:" + hashlib.sha256(raw).hexdigest()


def cached_figures(compute, *parts, refresh: bool = False):
    """`compute()`, or its result cached under the current generation and `parts`;
    `refresh` computes and stores it even when cached (a background refresh)."""
    timeout = settings.DASHBOARD_CACHE_SECONDS
    if not timeout:
        return compute()
    key = figures_key(*parts)
    result = None if refresh else cache.get(key)
    if result is None:
        result = compute()
        cache.set(key, result, timeout=timeout)
    return result


def query_identity(queryset) -> str:
    """The SQL of `queryset` with its parameters: equal for exactly the same tasks."""
    return str(queryset.query)
