"""One FilterSet per model, shared by the API and the pages."""

import django_filters

from tasks.filtersets import BooleanFilter, IdFilter

from .choices import DeadlineSource, ExtensionStatus
from .models import Deadline, DeadlineExtension, Milestone


class DeadlineFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="task_id", label="任务")
    plan = IdFilter(field_name="task__plan_id", label="方案")
    source = django_filters.ChoiceFilter(choices=DeadlineSource.choices, label="来源")
    is_ongoing = BooleanFilter(label="长期坚持")
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lt", label="时限早于")
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gt", label="时限晚于")

    class Meta:
        model = Deadline
        fields = ("task", "plan", "source", "is_ongoing")


class MilestoneFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="deadline__task_id", label="任务")
    deadline = IdFilter(field_name="deadline_id", label="完成时限")

    class Meta:
        model = Milestone
        fields = ("task", "deadline")


class DeadlineExtensionFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="deadline__task_id", label="任务")
    unit = IdFilter(field_name="unit_id", label="申请单位")
    status = django_filters.ChoiceFilter(choices=ExtensionStatus.choices, label="状态")

    class Meta:
        model = DeadlineExtension
        fields = ("task", "unit", "status")
