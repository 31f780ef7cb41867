"""The optimization office's workbench (优化办): plans, tasks, reports.

Every change of state goes through a service (`tasks.services`, `deadlines.services`)
and its permission check (`tasks.rules.can_manage`); list filters and search
delegate to `TaskFilterSet`, so "overdue" and "lead unit" have one definition.
The modules register their model admins when imported here.
"""

from . import plan_upload, reports, task_admin, task_links  # noqa: F401
