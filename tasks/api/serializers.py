from rest_framework import serializers

from tasks.models import Plan, Task


class PlanSerializer(serializers.ModelSerializer):
    task_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Plan
        fields = (
            "id",
            "title",
            "doc_number",
            "issuer",
            "issued_on",
            "year",
            "source_file",
            "task_count",
        )


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MilestoneSerializer(serializers.Serializer):
    due_on = serializers.DateField()
    text = serializers.CharField()


class TaskSerializer(serializers.ModelSerializer):
    """A task with its units, deadline and milestones, flattened for other systems."""

    section = serializers.SerializerMethodField()
    lead_units = UnitRefSerializer(many=True, read_only=True)
    responsible_units = UnitRefSerializer(many=True, read_only=True)
    due_on = serializers.DateField(source="deadline.due_on", read_only=True, default=None)
    deadline_text = serializers.CharField(source="deadline.text", read_only=True, default="")
    deadline_source = serializers.CharField(source="deadline.source", read_only=True, default=None)
    is_ongoing = serializers.BooleanField(
        source="deadline.is_ongoing", read_only=True, default=False
    )
    milestones = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = (
            "id",
            "plan",
            "number",
            "section",
            "title",
            "body",
            "lead_units",
            "responsible_units",
            "due_on",
            "deadline_text",
            "deadline_source",
            "is_ongoing",
            "milestones",
            "status",
            "progress",
            "warnings",
        )

    def get_section(self, task) -> str | None:
        return task.section.heading if task.section else None

    def get_milestones(self, task) -> list[dict]:
        deadline = getattr(task, "deadline", None)
        if deadline is None:
            return []
        return MilestoneSerializer(deadline.milestones.all(), many=True).data
