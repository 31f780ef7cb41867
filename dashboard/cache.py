"""Cached figures for the dashboard, the bulletin page and the 考评 scores.

At month end twenty leaders refresh the same dashboard while units report about twice a
second. A cached entry is keyed by the *generations* of the inputs it is computed from —
tokens replaced whenever one of those inputs is saved or deleted (connected to the
models' signals in `DashboardConfig.ready`) — and by the exact task query (the viewer's
visible scope and filters, so a region-scoped viewer never gets another region's
numbers), the date and the options. So a cached number is always the number the
uncached computation gives for the same data.

Three tokens, so that a progress report does not throw away what it cannot change:

- "tasks": tasks, deadlines, unit links, plans, units, regions, holidays… Every entry
  depends on it; `figures_changed` replaces it.
- "reports": progress reports, and task saves that change only what a report changes
  (status short of 销号, percent, version: `task_saving`). The dashboard's report part
  (last reports, 未按期报送 counts, the overdue list) and the scores depend on it; the
  task part (counts per plan, month, region and unit) does not.
- "supervision": notices, acknowledgements, instructions, rules: only the scores.

A missing entry is computed by one process while the others asking for it wait
(`cached_figures`, single-flight): twenty leaders refreshing after a report cost one
computation, not twenty.

Writes that bypass model signals (`QuerySet.update()`, raw SQL) do not replace a token;
DASHBOARD_CACHE_SECONDS bounds how long such a change can go unseen. Several app
processes must share the cache (the database cache, `DJANGO_DB_CACHE`, is the default in
production; or Redis) so that one process's write invalidates every process's entries.
"""

import hashlib
import pickle
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

TASKS, REPORTS, SUPERVISION = "tasks", "reports", "supervision"
TOKENS = (TASKS, REPORTS, SUPERVISION)
# What each cached part depends on.
TASK_PART = (TASKS,)
REPORT_PART = (TASKS, REPORTS)
EVERYTHING = TOKENS
GENERATION_KEY = "figures:generation:{}"
# Single-flight: how long a request waits for another process computing the same entry
# before computing it itself, how often it looks, and how long a lock outlives a
# computation that died without releasing it.
WAIT_SECONDS = 5.0
POLL_SECONDS = 0.05
LOCK_SECONDS = 30


# Changes this process made inside a transaction that has not committed yet: figures
# read inside that transaction (a test, or code that writes then reads) must not come
# from entries cached before those changes. Outside transactions only the shared tokens
# count, so every process shares the entries.
_uncommitted_changes = dict.fromkeys(TOKENS, 0)


def figures_generations(tokens=TOKENS) -> dict:
    """{token: its current generation}, read in one cache call."""
    keys = {GENERATION_KEY.format(token): token for token in tokens}
    found = cache.get_many(keys)
    for key in keys.keys() - found.keys():
        cache.add(key, uuid.uuid4().hex, timeout=None)
        found[key] = cache.get(key)
    generations = {token: found[key] for key, token in keys.items()}
    if transaction.get_connection().in_atomic_block:
        return {token: f"{gen}:{_uncommitted_changes[token]}" for token, gen in generations.items()}
    return generations


def figures_generation() -> str:
    """All tokens in one string: it changes whenever any input of any figure changes."""
    return ":".join(figures_generations().values())


def _changed(token: str) -> None:
    """Replace `token` once the change is committed — once per transaction, however many
    rows it saves (an import saves thousands) — by a new random token, not a counter: two
    writers can never produce the same next value."""
    _uncommitted_changes[token] += 1
    once_on_commit(f"figures-{token}", lambda: _new_generation(token))


def _new_generation(token: str) -> None:
    cache.set(GENERATION_KEY.format(token), uuid.uuid4().hex, timeout=None)


def figures_changed(**kwargs) -> None:
    """Invalidate every cached figure (a signal receiver: takes and ignores the signal's
    arguments): every entry depends on the "tasks" token."""
    _changed(TASKS)


def reports_changed(**kwargs) -> None:
    """Invalidate what depends on progress reports: the dashboard's report part, scores."""
    _changed(REPORTS)


def supervision_changed(**kwargs) -> None:
    """Invalidate what depends on notices, acknowledgements and rules: the scores."""
    _changed(SUPERVISION)


# Task fields a progress report changes (tasks.services.report_submit) that the task part
# does not read: the percent, the version, the time of the save, and the status as long
# as it stays short of 销号 (the counts read only "completed or not").
REPORT_ONLY_TASK_FIELDS = frozenset({"status", "progress", "version", "updated_at"})


def task_saving(sender, instance, raw=False, **kwargs) -> None:
    """pre_save receiver of Task: a save that changes only report-only fields replaces
    the "reports" token, any other the "tasks" token. Costs one query by primary key."""
    from tasks.choices import TaskStatus

    if instance._state.adding or instance.pk is None or raw:
        figures_changed()
        return
    names = [field.attname for field in sender._meta.concrete_fields]
    old = sender._base_manager.filter(pk=instance.pk).values(*names).first()
    if old is None:
        figures_changed()
        return
    changed = {name for name in names if old[name] != getattr(instance, name)}
    completed = TaskStatus.COMPLETED
    if changed <= REPORT_ONLY_TASK_FIELDS and completed not in (old["status"], instance.status):
        reports_changed()
    else:
        figures_changed()


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


def figures_key(*parts, generations: dict) -> str:
    raw = pickle.dumps((sorted(generations.items()), *parts))
    return "figures:" + hashlib.sha256(raw).hexdigest()


def cached_figures(compute, *parts, depends=EVERYTHING, refresh: bool = False, generations=None):
    """`compute()`, or its result cached under the generations of `depends` and `parts`;
    `refresh` computes and stores it even when cached (a background refresh).

    `generations`: tokens already read (`figures_generations`), so that parts computed
    from one another are keyed on the same reading. Tokens are read before computing:
    a change committed meanwhile replaces them, so an entry is never newer-keyed than
    its data.
    """
    timeout = settings.DASHBOARD_CACHE_SECONDS
    if not timeout:
        return compute()
    key = _entry_key(parts, depends, generations)
    if refresh:
        result = compute()
        cache.set(key, result, timeout=timeout)
        return result
    return single_flight(key, compute, timeout=timeout)


def cached_figures_peek(*parts, depends=EVERYTHING):
    """What `cached_figures` would return for `parts` without computing it; None on a miss
    (or with the cache off)."""
    if not settings.DASHBOARD_CACHE_SECONDS:
        return None
    return cache.get(_entry_key(parts, depends))


def _entry_key(parts: tuple, depends, generations=None) -> str:
    """The cache key of `parts` under the generations of `depends` (read now unless given)."""
    generations = generations if generations is not None else figures_generations(depends)
    return figures_key(*parts, generations={token: generations[token] for token in depends})


def single_flight(key: str, compute, *, timeout: int):
    """The cached value of `key`, else computed by one process while the others wait.

    The lock is `cache.add` (atomic in the database cache, locmem and Redis), with a
    timeout in case its holder dies. A waiter polls the entry; when the lock is released
    without an entry (its holder failed) it takes the lock itself, and after WAIT_SECONDS
    it computes without the lock: never an error, never a stale number.
    """
    result = cache.get(key)
    if result is not None:
        return result
    lock = f"{key}:computing"
    give_up_at = time.monotonic() + WAIT_SECONDS
    while not cache.add(lock, 1, timeout=LOCK_SECONDS):
        if time.monotonic() >= give_up_at:
            result = compute()
            cache.set(key, result, timeout=timeout)
            return result
        time.sleep(POLL_SECONDS)
        result = cache.get(key)
        if result is not None:
            return result
    try:
        result = cache.get(key)  # stored between the last look and the lock
        if result is None:
            result = compute()
            cache.set(key, result, timeout=timeout)
        return result
    finally:
        cache.delete(lock)


def cached_dashboard_figures(
    tasks,
    query,
    *,
    name: str,
    unit_sort="overdue",
    unit_limit=None,
    overdue_limit=None,
    region_parent=None,
) -> dict:
    """`figures.dashboard_figures`, its two parts cached apart: the task part under the
    "tasks" token, the report part (computed from it) under "tasks" and "reports", both
    keyed on one reading of the tokens. `name` keeps apart callers that show the same
    figures differently (the page and the API)."""
    from .figures import dashboard_report_figures, dashboard_task_figures, merge_figures

    generations = figures_generations(REPORT_PART)
    scope = (query_identity(tasks), query.as_of, region_parent.pk if region_parent else None)
    unit_options = {"unit_sort": unit_sort, "unit_limit": unit_limit}
    task_part = cached_figures(
        lambda: dashboard_task_figures(tasks, query, **unit_options, region_parent=region_parent),
        f"{name}:tasks",
        *scope,
        unit_options,
        depends=TASK_PART,
        generations=generations,
    )
    report_part = cached_figures(
        lambda: dashboard_report_figures(
            tasks, query, task_part, **unit_options, overdue_limit=overdue_limit
        ),
        f"{name}:reports",
        *scope,
        unit_options,
        overdue_limit,
        depends=REPORT_PART,
        generations=generations,
    )
    return merge_figures(task_part, report_part)


def query_identity(queryset) -> str:
    """The SQL of `queryset` with its parameters: equal for exactly the same tasks."""
    return str(queryset.query)
