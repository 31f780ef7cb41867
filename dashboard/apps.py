from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save, pre_save

# The models whose rows the dashboard, bulletin and score figures are computed from, by
# the cache token (dashboard/cache.py) a change to them replaces.
TASK_INPUTS = (
    "tasks.Plan",
    "tasks.TaskUnit",
    "deadlines.Deadline",
    "deadlines.Milestone",
    "deadlines.DeadlineExtension",
    "units.Unit",
    "units.UnitMembership",
    "units.UserGovernment",
    "regions.Region",
    # The working-day calendar decides when a report is due.
    "supervision.Holiday",
)
REPORT_INPUTS = ("tasks.ProgressReport",)
# Read by the scores only, never by the dashboard's figures.
SUPERVISION_INPUTS = (
    "supervision.EscalationNotice",
    "supervision.TaskAcknowledgement",
    "supervision.PlanPublication",
    "supervision.AssessmentRule",
    "supervision.AssessmentPeriod",
    "supervision.Instruction",
    "supervision.InstructionReceipt",
)
FIGURE_INPUTS = ("tasks.Task", *TASK_INPUTS, *REPORT_INPUTS, *SUPERVISION_INPUTS)


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = "督办看板"

    def ready(self):
        # A signal, not explicit calls in each service: the admin, the importer and the
        # API all write these models, and a missed call would serve stale numbers.
        from .cache import figures_changed, reports_changed, supervision_changed, task_saving

        receivers = (
            (TASK_INPUTS, figures_changed),
            (REPORT_INPUTS, reports_changed),
            (SUPERVISION_INPUTS, supervision_changed),
        )
        for labels, receiver in receivers:
            for label in labels:
                model = self.apps.get_model(label)
                post_save.connect(receiver, sender=model, dispatch_uid=f"figures-{label}")
                post_delete.connect(receiver, sender=model, dispatch_uid=f"figures-{label}-d")
        # A task save is judged before it is written: a report's save changes only what
        # the report part reads (`task_saving`).
        task = self.apps.get_model("tasks.Task")
        pre_save.connect(task_saving, sender=task, dispatch_uid="figures-tasks.Task")
        post_delete.connect(figures_changed, sender=task, dispatch_uid="figures-tasks.Task-d")
