from rest_framework import serializers

from deadlines.models import Deadline, DeadlineExtension, Milestone, deadline_errors
from tasks.api.serializers import DescribedModelSerializer, DescribedSerializer


class DeadlineSerializer(DescribedModelSerializer):
    class Meta:
        model = Deadline
        fields = ("id", "task", "due_on", "text", "source", "is_ongoing")

    def validate(self, attrs):
        errors = deadline_errors(
            is_ongoing=attrs.get("is_ongoing", getattr(self.instance, "is_ongoing", False)),
            due_on=attrs.get("due_on", getattr(self.instance, "due_on", None)),
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class MilestoneSerializer(DescribedModelSerializer):
    class Meta:
        model = Milestone
        fields = ("id", "deadline", "due_on", "text", "position", "from_document")
        extra_kwargs = {
            "position": {"max_value": 1000},
            "from_document": {"default": False},
        }


class DeadlineExtensionSerializer(DescribedModelSerializer):
    task = serializers.IntegerField(source="deadline.task_id", read_only=True, label="任务ID")
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, allow_null=True, label="申请单位名称"
    )

    class Meta:
        model = DeadlineExtension
        fields = (
            "id",
            "task",
            "deadline",
            "previous_due_on",
            "requested_due_on",
            "reason",
            "status",
            "unit",
            "unit_name",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        )
        read_only_fields = fields


class ExtensionRequestSerializer(DescribedSerializer):
    requested_due_on = serializers.DateField(label="申请延至")
    reason = serializers.CharField(max_length=5000, label="延期理由")


class ExtensionDecisionSerializer(DescribedSerializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, label="审批意见(驳回时必填)"
    )
