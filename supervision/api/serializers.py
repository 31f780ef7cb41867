from rest_framework import serializers

from supervision.models import (
    AssessmentScore,
    EscalationNotice,
    Instruction,
    InstructionReceipt,
    PlanPublication,
    TaskAcknowledgement,
)
from supervision.selectors import acknowledgement_due_on
from tasks.api.serializers import DescribedModelSerializer, DescribedSerializer


class EscalationNoticeSerializer(DescribedModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, label="牵头单位名称")
    unit_full_name = serializers.CharField(
        source="unit.full_name", read_only=True, allow_null=True, label="单位全称(含所属政府)"
    )
    answer_text = serializers.CharField(
        source="answer.text", read_only=True, default=None, allow_null=True, label="回复内容"
    )

    class Meta:
        model = EscalationNotice
        fields = (
            "id",
            "task",
            "unit",
            "unit_name",
            "unit_full_name",
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


class TaskAcknowledgementSerializer(DescribedModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, label="牵头单位名称")
    unit_full_name = serializers.CharField(
        source="unit.full_name", read_only=True, allow_null=True, label="单位全称(含所属政府)"
    )

    class Meta:
        model = TaskAcknowledgement
        fields = (
            "id",
            "task",
            "unit",
            "unit_name",
            "unit_full_name",
            "acknowledged_at",
            "responsible_person",
            "phone",
        )


class AssessmentScoreSerializer(DescribedModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, label="单位名称")
    unit_full_name = serializers.CharField(
        source="unit.full_name", read_only=True, allow_null=True, label="单位全称(含所属政府)"
    )
    period_name = serializers.CharField(source="period.name", read_only=True, label="考评周期名称")

    class Meta:
        model = AssessmentScore
        fields = (
            "id",
            "period",
            "period_name",
            "unit",
            "unit_name",
            "unit_full_name",
            "rank",
            "total",
            "breakdown",
        )


class PlanPublicationSerializer(DescribedModelSerializer):
    """交办 of a plan, with the last day its lead units may acknowledge (working days)."""

    plan_title = serializers.CharField(source="plan.title", read_only=True, label="方案名称")
    acknowledgement_due_on = serializers.SerializerMethodField(label="签收截止日期")

    class Meta:
        model = PlanPublication
        fields = ("id", "plan", "plan_title", "published_at", "acknowledgement_due_on")

    def get_acknowledgement_due_on(self, publication) -> str:
        # The view reads the holiday list once and passes it in the context.
        return acknowledgement_due_on(publication, self.context["calendar"]).isoformat()


class TaskEventSerializer(DescribedSerializer):
    """One supervision event of a task's timeline (`supervision.timeline.task_events`)."""

    time = serializers.DateTimeField(label="时间")
    kind = serializers.CharField(label="类型")
    text = serializers.CharField(label="内容")


class InstructionReceiptSerializer(DescribedModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, label="牵头单位名称")

    class Meta:
        model = InstructionReceipt
        fields = ("unit", "unit_name", "acknowledged_at", "answer", "answered_at")


class InstructionSerializer(DescribedModelSerializer):
    """领导批示 on a task or a plan, with each lead unit's acknowledgement and answer."""

    author_name = serializers.SerializerMethodField(label="批示人")
    receipts = InstructionReceiptSerializer(many=True, read_only=True, label="牵头单位落实情况")

    class Meta:
        model = Instruction
        fields = ("id", "task", "plan", "text", "author_name", "created_at", "receipts")

    def get_author_name(self, instruction) -> str:
        author = instruction.author
        return (author.get_full_name() or author.username) if author else ""
