from django.apps import AppConfig


def _close_notices(sender, *, task, **kwargs):
    from .services import notices_close_on_completion

    notices_close_on_completion(task=task)


class SupervisionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "supervision"
    verbose_name = "督办考评"

    def ready(self):
        # tasks does not import supervision (it is built on tasks): it announces a
        # completion and supervision closes the task's open notices.
        from tasks.signals import task_completed

        task_completed.connect(_close_notices, dispatch_uid="supervision_close_notices")
