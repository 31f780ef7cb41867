from rest_framework import serializers

from supervision.models import AssessmentScore, EscalationNotice, TaskAcknowledgement


class EscalationNoticeSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    answer_text = serializers.CharField(source="answer.text", read_only=True, default=None)

    class Meta:
        model = EscalationNotice
        fields = (
            "id",
            "task",
            "unit",
            "unit_name",
            "colour",
            "status",
            "reason",
            "proposed_on",
            "proposed_at",
            "confirmed_at",
            "answer",
            "answer_text",
            "answered_at",
            "cancelled_at",
        )


class TaskAcknowledgementSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = TaskAcknowledgement
        fields = (
            "id",
            "task",
            "unit",
            "unit_name",
            "acknowledged_at",
            "responsible_person",
            "phone",
        )


class AssessmentScoreSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    period_name = serializers.CharField(source="period.name", read_only=True)

    class Meta:
        model = AssessmentScore
        fields = ("id", "period", "period_name", "unit", "unit_name", "rank", "total", "breakdown")
