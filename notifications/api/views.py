from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications.filtersets import NotificationFilterSet
from notifications.models import Notification
from notifications.services import notifications_mark_read

from .serializers import MarkedSerializer, NotificationSerializer, UnreadCountSerializer


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The signed-in user's own messages (消息中心), newest first."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet

    def get_queryset(self):
        return Notification.objects.for_user(self.request.user)

    @extend_schema(summary="未读消息数", responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count", filterset_class=None)
    def unread_count(self, request):
        return Response({"unread": self.get_queryset().unread().count()})

    @extend_schema(summary="标为已读", request=None, responses=MarkedSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        note = self.get_object()
        return Response({"marked": notifications_mark_read(user=request.user, ids=[note.pk])})

    @extend_schema(summary="全部标为已读", request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all", filterset_class=None)
    def read_all(self, request):
        return Response({"marked": notifications_mark_read(user=request.user)})
