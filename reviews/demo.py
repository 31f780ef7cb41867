"""Demo data for the review chain (`manage.py demo_supervision` calls it last)."""

from datetime import date

from deadlines.services import extension_request
from supervision.demo_history import at, clock
from tasks.models import Task

from .choices import ReviewKind
from .models import Review
from .services import review_resubmit, review_return


def demo_extension_in_review(*, task: Task, office, unit_user) -> Review:
    """One 延期申请 waiting in review: asked by the unit, sent back at the office's 初审 with
    a reason, answered with a shorter date, and waiting for 初审 again. Running it again
    returns the request already there."""
    existing = Review.objects.filter(task=task, kind=ReviewKind.EXTENSION).first()
    if existing is not None:
        return existing
    # Dated in the plan's last month, before the task's deadline (31 December 2022).
    with clock(at(date(2022, 12, 5))):
        extension = extension_request(
            task=task,
            user=unit_user,
            requested_due_on=date(2023, 6, 30),
            reason="需与省级系统对接,申请延期半年",
        )
    with clock(at(date(2022, 12, 7), hour=15)):
        review = review_return(
            review=extension.review, user=office, reason="请说明省级系统对接的进度和最短所需时间"
        )
    with clock(at(date(2022, 12, 9))):
        return review_resubmit(
            review=review,
            user=unit_user,
            answer="省级接口已于12月开放测试,联调需3个月,改为申请延至2023年3月31日",
            requested_due_on=date(2023, 3, 31),
        )
