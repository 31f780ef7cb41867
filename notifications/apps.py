from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "消息中心"

    def ready(self):
        from tasks.events import desk_event

        from .services import notifications_create_for_event

        desk_event.connect(notifications_create_for_event, dispatch_uid="notifications.inbox")
