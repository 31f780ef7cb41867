from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


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

        # Scores depend on the same inputs as the dashboard's figures: a change to any of
        # them schedules the background recomputation of the open periods' rankings.
        from dashboard.apps import FIGURE_INPUTS

        from .tasks import scores_changed

        for label in FIGURE_INPUTS:
            model = self.apps.get_model(label)
            post_save.connect(scores_changed, sender=model, dispatch_uid=f"scores-{label}")
            post_delete.connect(scores_changed, sender=model, dispatch_uid=f"scores-{label}-d")
