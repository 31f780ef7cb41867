from rest_framework import viewsets

from supervision.filtersets import (
    AssessmentScoreFilterSet,
    EscalationNoticeFilterSet,
    TaskAcknowledgementFilterSet,
)
from supervision.models import AssessmentScore, EscalationNotice, TaskAcknowledgement

from .serializers import (
    AssessmentScoreSerializer,
    EscalationNoticeSerializer,
    TaskAcknowledgementSerializer,
)


class EscalationNoticeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EscalationNoticeSerializer
    filterset_class = EscalationNoticeFilterSet

    def get_queryset(self):
        return (
            EscalationNotice.objects.visible_to(self.request.user)
            .select_related("unit", "answer")
            .order_by("-proposed_at", "id")
        )


class TaskAcknowledgementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TaskAcknowledgementSerializer
    filterset_class = TaskAcknowledgementFilterSet

    def get_queryset(self):
        return (
            TaskAcknowledgement.objects.visible_to(self.request.user)
            .select_related("unit")
            .order_by("-acknowledged_at", "id")
        )


class AssessmentScoreViewSet(viewsets.ReadOnlyModelViewSet):
    """Published (frozen) scores only; draft periods are computed on the scores page."""

    serializer_class = AssessmentScoreSerializer
    filterset_class = AssessmentScoreFilterSet

    def get_queryset(self):
        return (
            AssessmentScore.objects.visible_to(self.request.user)
            .select_related("unit", "period")
            .order_by("period_id", "rank", "unit__name")
        )
