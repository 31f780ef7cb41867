from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from supervision import workdays
from supervision.filtersets import (
    AssessmentScoreFilterSet,
    EscalationNoticeFilterSet,
    InstructionFilterSet,
    PlanPublicationFilterSet,
    TaskAcknowledgementFilterSet,
)
from supervision.models import (
    AssessmentScore,
    EscalationNotice,
    Instruction,
    PlanPublication,
    TaskAcknowledgement,
)
from supervision.timeline import task_events
from tasks import rules
from tasks.models import Plan, Task
from units.roles import is_governed, sees_all_tasks

from .serializers import (
    AssessmentScoreSerializer,
    EscalationNoticeSerializer,
    InstructionSerializer,
    PlanPublicationSerializer,
    TaskAcknowledgementSerializer,
    TaskEventSerializer,
)


class InstructionViewSet(viewsets.ReadOnlyModelViewSet):
    """领导批示: all for office staff and leaders; a unit sees those addressed to it."""

    serializer_class = InstructionSerializer
    filterset_class = InstructionFilterSet

    def get_queryset(self):
        return (
            Instruction.objects.visible_to(self.request.user)
            .select_related("author")
            .prefetch_related("receipts__unit")
            .order_by("-created_at", "id")
        )


class EscalationNoticeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EscalationNoticeSerializer
    filterset_class = EscalationNoticeFilterSet

    def get_queryset(self):
        return (
            EscalationNotice.objects.visible_to(self.request.user)
            .select_related("unit__region", "answer")
            .order_by("-proposed_at", "id")
        )


class TaskAcknowledgementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TaskAcknowledgementSerializer
    filterset_class = TaskAcknowledgementFilterSet

    def get_queryset(self):
        return (
            TaskAcknowledgement.objects.visible_to(self.request.user)
            .select_related("unit__region")
            .order_by("-acknowledged_at", "id")
        )


class AssessmentScoreViewSet(viewsets.ReadOnlyModelViewSet):
    """Published (frozen) scores only; draft periods are computed on the scores page."""

    serializer_class = AssessmentScoreSerializer
    filterset_class = AssessmentScoreFilterSet

    def get_queryset(self):
        return (
            AssessmentScore.objects.visible_to(self.request.user)
            .select_related("unit__region", "period")
            .order_by("period_id", "rank", "unit__name")
        )


class PlanPublicationViewSet(viewsets.ReadOnlyModelViewSet):
    """Plans are readable by every signed-in user, and so is when they were published."""

    serializer_class = PlanPublicationSerializer
    filterset_class = PlanPublicationFilterSet

    def get_queryset(self):
        publications = PlanPublication.objects.select_related("plan")
        if is_governed(self.request.user):  # another region's plans are not its business
            publications = publications.filter(plan__in=Plan.objects.visible_to(self.request.user))
        return publications.order_by("-published_at", "id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "calendar": workdays.calendar()}


class TaskEventsView(APIView):
    """交办, 签收 and 督办单 events of one task, oldest first, as on the task's timeline."""

    @extend_schema(
        summary="任务的交办、签收、督办事件",
        description="单位只能查看本单位的任务,且看不到优化办尚未下发的督办单。",
        responses=TaskEventSerializer(many=True),
    )
    def get(self, request, task_id):
        task = get_object_or_404(Task.objects.visible_to(request.user), pk=task_id)
        if sees_all_tasks(request.user):
            events = task_events(task, include_proposed=True)
        else:
            events = task_events(task, unit_ids=rules.user_unit_ids(request.user))
        return Response(TaskEventSerializer(events, many=True).data)
