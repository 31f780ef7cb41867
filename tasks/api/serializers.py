import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deadlines.models import Milestone, deadline_days_late
from tasks.attachments import ALLOWED_LABEL
from tasks.choices import TaskStatus
from tasks.models import (
    SECTION_PARENT_MESSAGE,
    TASK_SECTION_MESSAGE,
    IdIn,
    Plan,
    ProgressReport,
    Section,
    SubTask,
    Task,
    TaskUnit,
    same_plan_errors,
)
from tasks.services import TASK_EDITABLE_FIELDS, content_hash
from units.choices import UnitRole
from units.models import Unit

HAN = re.compile(r"[\u4e00-\u9fff]")


# Every field documents itself: the Chinese label becomes the schema description.
class DescribedSerializerMixin:
    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            label = str(field.label or "")
            help_text = str(field.help_text or "")
            if name == "id" and not HAN.search(label):
                field.help_text = help_text or "记录ID"
            elif not help_text and label:
                field.help_text = label
            elif help_text and not HAN.search(help_text) and HAN.search(label):
                field.help_text = f"{label}({help_text})"
        return fields


class DescribedModelSerializer(DescribedSerializerMixin, serializers.ModelSerializer):
    pass


class DescribedSerializer(DescribedSerializerMixin, serializers.Serializer):
    pass


class RegionRefSerializer(DescribedSerializer):
    """A government (行政区划) as other systems need it to tell same-named units apart."""

    id = serializers.IntegerField(label="区划ID")
    code = serializers.CharField(allow_null=True, label="区划代码(GB/T 2260)")
    name = serializers.CharField(label="区划名称")
    level = serializers.CharField(label="层级(province/city/county)")


class PlanSerializer(DescribedModelSerializer):
    task_count = serializers.IntegerField(read_only=True, label="任务数")
    region = RegionRefSerializer(allow_null=True, read_only=True, label="发文政府")
    source_text = serializers.CharField(
        write_only=True, required=False, allow_blank=True, label="原文"
    )

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
            "region",
            "task_count",
            "source_text",
        )
        extra_kwargs = {"year": {"max_value": 9999}}

    def create(self, validated_data):
        source_text = validated_data.setdefault("source_text", "")
        validated_data["content_hash"] = content_hash(source_text)
        return super().create(validated_data)

    def update(self, instance, validated_data):
        if "source_text" in validated_data:
            validated_data["content_hash"] = content_hash(validated_data["source_text"])
        return super().update(instance, validated_data)


class SectionSerializer(DescribedModelSerializer):
    heading = serializers.CharField(read_only=True, label="标题(含序号)")

    class Meta:
        model = Section
        fields = ("id", "plan", "parent", "numeral", "title", "level", "position", "heading")
        extra_kwargs = {
            "level": {"max_value": 10},
            "position": {"max_value": 100000},
        }

    def validate(self, attrs):
        plan = attrs.get("plan", getattr(self.instance, "plan", None))
        errors = same_plan_errors(
            plan_id=getattr(plan, "pk", None),
            field="parent",
            related=attrs.get("parent", getattr(self.instance, "parent", None)),
            message=SECTION_PARENT_MESSAGE,
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class UnitRefSerializer(DescribedSerializer):
    id = serializers.IntegerField(label="单位ID")
    name = serializers.CharField(label="单位名称(文件中的写法)")
    region = RegionRefSerializer(allow_null=True, read_only=True, label="所属政府")


class TaskMilestoneSerializer(DescribedSerializer):
    due_on = serializers.DateField(label="节点日期")
    text = serializers.CharField(label="内容")


class TaskSerializer(DescribedModelSerializer):
    """A task with its units, deadline and milestones, flattened for other systems."""

    section = serializers.SerializerMethodField(label="章节")
    lead_units = UnitRefSerializer(many=True, read_only=True, label="牵头单位")
    responsible_units = UnitRefSerializer(many=True, read_only=True, label="责任单位")
    # A task created over the API has no deadline until one is added on /api/deadlines/:
    # then these four are null.
    due_on = serializers.DateField(
        source="deadline.due_on", read_only=True, allow_null=True, label="完成时限"
    )
    deadline_text = serializers.CharField(
        source="deadline.text", read_only=True, allow_null=True, label="时限原文表述"
    )
    deadline_source = serializers.CharField(
        source="deadline.source", read_only=True, allow_null=True, label="时限来源"
    )
    is_ongoing = serializers.BooleanField(
        source="deadline.is_ongoing", read_only=True, allow_null=True, label="长期坚持"
    )
    milestones = serializers.SerializerMethodField(label="时间节点")
    original_due_on = serializers.DateField(
        source="deadline.original_date", read_only=True, allow_null=True, label="原定完成时限"
    )
    days_late = serializers.SerializerMethodField(label="逾期天数(含延期前已逾期天数)")
    completed_late = serializers.BooleanField(read_only=True, label="逾期办结")

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
            "original_due_on",
            "milestones",
            "status",
            "progress",
            "warnings",
            "completed_on",
            "days_late",
            "completed_late",
            "version",
            "updated_at",
        )

    def get_section(self, task) -> str | None:
        return task.section.heading if task.section else None

    def get_days_late(self, task) -> int:
        return task.days_late()

    @extend_schema_field(TaskMilestoneSerializer(many=True))
    def get_milestones(self, task):
        deadline = getattr(task, "deadline", None)
        if deadline is None:
            return []
        return TaskMilestoneSerializer(deadline.milestones.all(), many=True).data


class TaskWriteSerializer(DescribedModelSerializer):
    """What the office may set on a task; updates must carry the `version` they read."""

    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="读取任务时的版本号;修改时必填,版本已变化则返回409",
    )

    class Meta:
        model = Task
        fields = (*TASK_EDITABLE_FIELDS, "version")
        extra_kwargs = {
            "number": {"min_value": 1, "max_value": 100000},
            "progress": {"min_value": 0, "max_value": 100},
        }

    def validate(self, attrs):
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": "修改任务时须提供读取时的版本号"})
        plan = attrs.get("plan", getattr(self.instance, "plan", None))
        errors = same_plan_errors(
            plan_id=getattr(plan, "pk", None),
            field="section",
            related=attrs.get("section", getattr(self.instance, "section", None)),
            message=TASK_SECTION_MESSAGE,
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TaskUnitSerializer(DescribedModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, label="单位名称")
    unit_full_name = serializers.CharField(
        source="unit.full_name", read_only=True, allow_null=True, label="单位全称(含所属政府)"
    )

    class Meta:
        model = TaskUnit
        fields = (
            "id",
            "task",
            "unit",
            "unit_name",
            "unit_full_name",
            "role",
            "position",
            "from_document",
            "collective_link",
            "is_fanned_out",
        )
        # 交办 to a collective goes through the admin action (tasks.assignments), not here.
        read_only_fields = ("collective_link", "is_fanned_out")
        extra_kwargs = {
            "position": {"max_value": 1000},
            "from_document": {"default": False},
        }


class ProgressReportSerializer(DescribedModelSerializer):
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, allow_null=True, label="报送单位名称"
    )
    unit_full_name = serializers.CharField(
        source="unit.full_name", read_only=True, allow_null=True, label="单位全称(含所属政府)"
    )
    author_name = serializers.CharField(
        source="author.username", read_only=True, allow_null=True, label="报送人"
    )

    class Meta:
        model = ProgressReport
        fields = (
            "id",
            "task",
            "unit",
            "unit_name",
            "unit_full_name",
            "author_name",
            "status",
            "progress",
            "text",
            "attachment_name",
            "created_at",
        )
        read_only_fields = fields
        extra_kwargs = {"attachment_name": {"help_text": "附件的原文件名;没有附件时为空"}}


class SubTaskSerializer(DescribedModelSerializer):
    unit_full_name = serializers.CharField(
        source="unit.full_name", read_only=True, label="分解单位全称(含所属政府)"
    )
    assignee_name = serializers.CharField(
        source="assignee.username", read_only=True, allow_null=True, label="系统账号用户名"
    )
    is_overdue = serializers.BooleanField(source="overdue", read_only=True, label="已逾期")
    days_late = serializers.IntegerField(
        source="late_days", read_only=True, label="逾期天数(完成的按完成日期计)"
    )

    class Meta:
        model = SubTask
        fields = (
            "id",
            "task",
            "unit",
            "unit_full_name",
            "title",
            "owner_name",
            "owner_phone",
            "assignee",
            "assignee_name",
            "due_on",
            "weight",
            "status",
            "progress",
            "completed_on",
            "is_overdue",
            "days_late",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class SubTaskRollupSerializer(DescribedSerializer):
    """A task's sub-tasks (子任务) with their roll-up, as the task page shows them."""

    total = serializers.IntegerField(label="子任务数")
    done = serializers.IntegerField(label="已完成")
    overdue = serializers.IntegerField(label="逾期未完成")
    suggested_progress = serializers.IntegerField(
        allow_null=True, label="建议进度(按权重加权的子任务进度,不自动计入任务进度)"
    )
    subtasks = SubTaskSerializer(many=True, label="子任务")


class VersionedSerializer(DescribedSerializer):
    version = serializers.IntegerField(
        min_value=1, help_text="读取任务时的版本号;版本已变化则返回409"
    )


class ReportCreateSerializer(VersionedSerializer):
    status = serializers.ChoiceField(
        choices=[
            (value, label) for value, label in TaskStatus.choices if value != TaskStatus.COMPLETED
        ],
        label="状态",
    )
    progress = serializers.IntegerField(min_value=0, max_value=100, label="进度(%)")
    text = serializers.CharField(label="进展情况", max_length=10000)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, label="报送单位ID(可选)"
    )
    attachment = serializers.FileField(
        required=False,
        allow_null=True,
        allow_empty_file=True,  # the service's check says why an empty file is refused
        label="附件(可选)",
        help_text=f"以 multipart/form-data 上传;{ALLOWED_LABEL},不超过10MB,按文件内容检查;"
        "不符合时返回400并说明原因",
    )


class CompletionRequestSerializer(VersionedSerializer):
    text = serializers.CharField(label="完成情况说明", max_length=10000)


class CompletionVerifySerializer(VersionedSerializer):
    completed_on = serializers.DateField(required=False, allow_null=True, label="销号日期")


class ReopenSerializer(VersionedSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, label="理由")


# The task list (`GET /api/tasks/`, up to 1,000 a page) is built from `.values()` rows by
# `task_list_data`: the same JSON as `TaskSerializer`, field by field
# (tests/test_api_task_list_rows.py), at a fraction of the cost of a ModelSerializer per
# task (issue 14: the page within 3x its own SQL time).
TASK_LIST_COLUMNS = (
    "id",
    "plan_id",
    "number",
    "section_id",
    "section__numeral",
    "section__title",
    "section__level",
    "title",
    "body",
    "deadline__id",
    "deadline__due_on",
    "deadline__text",
    "deadline__source",
    "deadline__is_ongoing",
    "deadline__original_due_on",
    "deadline__late_days_on_record",
    "status",
    "progress",
    "warnings",
    "completed_on",
    "version",
    "updated_at",
)


def task_list_values(tasks):
    """The rows `task_list_data` needs, tuples in `TASK_LIST_COLUMNS` order: one query, no
    model instances, no prefetches."""
    return tasks.prefetch_related(None).values_list(*TASK_LIST_COLUMNS)


def _date(value) -> str | None:
    """As DRF's DateField with DATE_FORMAT iso-8601."""
    return None if value is None else value.isoformat()


def _datetime(value, zone) -> str:
    """As DRF's DateTimeField with DATETIME_FORMAT iso-8601: in the current time zone."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# A task's list of units in a role it has none of, or of milestones it has none of: one
# list shared by every such row, never changed.
EMPTY: list = []


def _task_units_by_role(task_ids) -> dict:
    """{role: {task id: [unit refs in document order]}} in one query. A unit named on
    many tasks is one dict shared by them (read-only until rendered)."""
    links = (
        TaskUnit.objects.filter(IdIn("task_id", task_ids))
        .order_by("role", "position")
        .values_list(
            "task_id",
            "role",
            "unit_id",
            "unit__name",
            "unit__region_id",
            "unit__region__code",
            "unit__region__name",
            "unit__region__level",
        )
    )
    units = {UnitRole.LEAD: {}, UnitRole.RESPONSIBLE: {}}
    refs, regions = {}, {None: None}
    for task_id, role, unit_id, name, region_id, code, region_name, level in links:
        ref = refs.get(unit_id)
        if ref is None:
            if region_id not in regions:
                regions[region_id] = {
                    "id": region_id,
                    "code": code,
                    "name": region_name,
                    "level": level,
                }
            ref = refs[unit_id] = {"id": unit_id, "name": name, "region": regions[region_id]}
        units.setdefault(role, {}).setdefault(task_id, []).append(ref)
    return units


def _milestones_by_task(task_ids) -> dict:
    """{task id: [milestones in order]} in one query."""
    milestones = {}
    rows = (
        Milestone.objects.filter(IdIn("deadline__task_id", task_ids))
        .order_by("deadline", "position")
        .values_list("deadline__task_id", "due_on", "text")
    )
    for task_id, due_on, text in rows:
        milestones.setdefault(task_id, []).append({"due_on": _date(due_on), "text": text})
    return milestones


def task_list_data(rows) -> list[dict]:
    """`TaskSerializer(tasks, many=True).data` for `task_list_values` rows, in two more
    queries (units, milestones) whatever the number of rows."""
    from django.utils import timezone

    rows = list(rows)
    task_ids = [row[0] for row in rows]
    units = _task_units_by_role(task_ids)
    lead_units, responsible_units = units[UnitRole.LEAD], units[UnitRole.RESPONSIBLE]
    milestones = _milestones_by_task(task_ids)
    as_of = timezone.localdate()
    zone = timezone.get_current_timezone()
    data = []
    for (
        task_id,
        plan_id,
        number,
        section_id,
        numeral,
        section_title,
        level,
        title,
        body,
        deadline_id,
        due_on,
        deadline_text,
        deadline_source,
        is_ongoing,
        original_due_on,
        late_days_on_record,
        status,
        progress,
        warnings,
        completed_on,
        version,
        updated_at,
    ) in rows:
        completed = status == TaskStatus.COMPLETED
        # `Task.days_late()` (the same rule: `Deadline.days_late`).
        if deadline_id is None:
            days_late = 0
        elif completed and completed_on is None:
            days_late = late_days_on_record
        else:
            days_late = deadline_days_late(
                due_on=due_on,
                is_ongoing=is_ongoing,
                late_days_on_record=late_days_on_record,
                completed_on=completed_on if completed else None,
                as_of=as_of,
            )
        section = None
        if section_id is not None:
            section = f"{numeral}{'、' if level == 1 else ''}{section_title}"
        due_on_text = _date(due_on)
        data.append(
            {
                "id": task_id,
                "plan": plan_id,
                "number": number,
                "section": section,
                "title": title,
                "body": body,
                "lead_units": lead_units.get(task_id, EMPTY),
                "responsible_units": responsible_units.get(task_id, EMPTY),
                "due_on": due_on_text,
                "deadline_text": deadline_text,
                "deadline_source": deadline_source,
                "is_ongoing": is_ongoing,
                "original_due_on": _date(original_due_on) if original_due_on else due_on_text,
                "milestones": milestones.get(task_id, EMPTY),
                "status": status,
                "progress": progress,
                "warnings": warnings,
                "completed_on": _date(completed_on),
                "days_late": days_late,
                "completed_late": completed and days_late > 0,
                "version": version,
                "updated_at": _datetime(updated_at, zone),
            }
        )
    return data
