import django_filters

from .models import (
    AssessmentScore,
    EscalationNotice,
    Instruction,
    PlanPublication,
    TaskAcknowledgement,
)


class EscalationNoticeFilterSet(django_filters.FilterSet):
    class Meta:
        model = EscalationNotice
        fields = ("task", "unit", "colour", "status")


class TaskAcknowledgementFilterSet(django_filters.FilterSet):
    class Meta:
        model = TaskAcknowledgement
        fields = ("task", "unit")


class AssessmentScoreFilterSet(django_filters.FilterSet):
    class Meta:
        model = AssessmentScore
        fields = ("period", "unit")


class PlanPublicationFilterSet(django_filters.FilterSet):
    class Meta:
        model = PlanPublication
        fields = ("plan",)


class InstructionFilterSet(django_filters.FilterSet):
    class Meta:
        model = Instruction
        fields = ("task", "plan")
