from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

# The models whose rows the dashboard, bulletin and score figures are computed from.
FIGURE_INPUTS = (
    "tasks.Plan",
    "tasks.Task",
    "tasks.TaskUnit",
    "tasks.ProgressReport",
    "deadlines.Deadline",
    "deadlines.Milestone",
    "deadlines.DeadlineExtension",
    "units.Unit",
    "units.UnitMembership",
    "units.UserGovernment",
    "regions.Region",
    "supervision.EscalationNotice",
    "supervision.TaskAcknowledgement",
    "supervision.PlanPublication",
    "supervision.AssessmentRule",
    "supervision.AssessmentPeriod",
    "supervision.Holiday",
    "supervision.Instruction",
    "supervision.InstructionReceipt",
)


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = "督办看板"

    def ready(self):
        # A signal, not explicit calls in each service: the admin, the importer and the
        # API all write these models, and a missed call would serve stale numbers.
        from .cache import figures_changed

        for label in FIGURE_INPUTS:
            model = self.apps.get_model(label)
            post_save.connect(figures_changed, sender=model, dispatch_uid=f"figures-{label}")
            post_delete.connect(figures_changed, sender=model, dispatch_uid=f"figures-{label}-d")
