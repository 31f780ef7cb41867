from django_filters import rest_framework as filters

from tasks.events import EventKind

from .models import Notification


class NotificationFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=EventKind.choices, label="类别")
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="未读")

    class Meta:
        model = Notification
        fields = ("kind", "unread")
