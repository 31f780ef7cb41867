"""Background recomputation of the 考评 rankings after their inputs change.

A unit's report, a confirmed notice or an acknowledgement changes the scores of the open
periods. Rather than recompute them on the next view (4.6 s at 100,000 tasks), a change
schedules `scores_refresh` a little later (REFRESH_DELAY, so that a burst of month-end
reports costs one recomputation), which stores the new rankings in the cache for the
scores page and its Excel export.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from dashboard.cache import once_on_commit

logger = logging.getLogger(__name__)

REFRESH_DELAY = timedelta(seconds=30)
PENDING_KEY = "scores:refresh-pending"


@task()
def scores_refresh() -> int:
    """Recompute and cache the ranking of every open (unpublished) period."""
    from .models import AssessmentPeriod
    from .scores_export import period_scores

    cache.delete(PENDING_KEY)
    periods = AssessmentPeriod.objects.filter(published_at__isnull=True)
    for period in periods:
        period_scores(period, refresh=True)
        period_scores(period, refresh=True, breakdowns=False)  # what the ranking page reads
    return len(periods)


def _enqueue_refresh() -> None:
    if not cache.add(PENDING_KEY, True, timeout=int(REFRESH_DELAY.total_seconds()) * 4):
        return  # one is already scheduled and will see this change too
    try:
        scores_refresh.using(run_after=timezone.now() + REFRESH_DELAY).enqueue()
    except Exception:  # a queue that is down must not fail the write that triggered this
        cache.delete(PENDING_KEY)
        logger.exception("Could not schedule the scores refresh")


def scores_changed(**kwargs) -> None:
    """Signal receiver: schedule a refresh once the change is committed (only when the
    figures are cached at all)."""
    if settings.DASHBOARD_CACHE_SECONDS:
        once_on_commit("scores", _enqueue_refresh)
