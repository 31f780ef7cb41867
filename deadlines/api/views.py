from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from deadlines.filtersets import DeadlineExtensionFilterSet, DeadlineFilterSet, MilestoneFilterSet
from deadlines.models import Deadline, DeadlineExtension, Milestone
from deadlines.services import extension_approve, extension_reject
from tasks.api.permissions import OfficeEditsOthersRead
from tasks.models import Task

from .serializers import (
    DeadlineExtensionSerializer,
    DeadlineSerializer,
    ExtensionDecisionSerializer,
    MilestoneSerializer,
)


def visible_task_ids(user):
    return Task.objects.visible_to(user).values("pk")


class DeadlineViewSet(viewsets.ModelViewSet):
    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilterSet
    permission_classes = [OfficeEditsOthersRead]

    def get_queryset(self):
        return Deadline.objects.filter(task__in=visible_task_ids(self.request.user)).order_by(
            "task_id"
        )


class MilestoneViewSet(viewsets.ModelViewSet):
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilterSet
    permission_classes = [OfficeEditsOthersRead]

    def get_queryset(self):
        return Milestone.objects.filter(
            deadline__task__in=visible_task_ids(self.request.user)
        ).order_by("deadline_id", "position", "pk")


class DeadlineExtensionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """延期申请 on visible tasks; lead and responsible units file them on /tasks/{id}/extensions/
    (then decided along the review chain, `reviews.services`)."""

    serializer_class = DeadlineExtensionSerializer
    filterset_class = DeadlineExtensionFilterSet
    permission_classes = [OfficeEditsOthersRead]

    def get_queryset(self):
        return (
            DeadlineExtension.objects.filter(deadline__task__in=visible_task_ids(self.request.user))
            .select_related("deadline", "unit__region")
            .order_by("-created_at", "-pk")
        )

    def _decide(self, request, service):
        extension = self.get_object()
        serializer = ExtensionDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service(
            extension=extension, user=request.user, note=serializer.validated_data.get("note", "")
        )
        return Response(DeadlineExtensionSerializer(extension).data)

    @extend_schema(
        request=ExtensionDecisionSerializer,
        responses=DeadlineExtensionSerializer,
        summary="批准延期(优化办)",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request, pk=None):
        return self._decide(request, extension_approve)

    @extend_schema(
        request=ExtensionDecisionSerializer,
        responses=DeadlineExtensionSerializer,
        summary="驳回延期(优化办)",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def reject(self, request, pk=None):
        return self._decide(request, extension_reject)
