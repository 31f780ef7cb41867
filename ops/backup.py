"""What a backup contains, shared by the backup and restore commands."""

from django.contrib.auth import get_user_model

from tasks.models import Plan, ProgressReport, Task
from units.models import Unit

# Rebuilt by `migrate` (contenttypes, permissions) or transient (sessions, login
# attempts); everything else, history tables included, goes into the backup.
EXCLUDED_FROM_BACKUP = ["contenttypes", "auth.permission", "sessions", "axes"]


def database_has_data() -> bool:
    """True when users, units or plan data exist, i.e. restoring would mix two systems."""
    models = (get_user_model(), Unit, Plan, Task, ProgressReport)
    return any(model.objects.exists() for model in models)
