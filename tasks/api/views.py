from django.db.models import Count
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import APIRootView
from rest_framework.settings import api_settings

from deadlines.api.serializers import DeadlineExtensionSerializer, ExtensionRequestSerializer
from deadlines.models import DeadlineExtension
from deadlines.services import extension_request
from tasks import rules
from tasks.assignments import task_rollups
from tasks.choices import TaskStatus
from tasks.filtersets import (
    PlanFilterSet,
    ProgressReportFilterSet,
    SectionFilterSet,
    TaskFilterSet,
    TaskUnitFilterSet,
)
from tasks.ledger import XLSX_CONTENT_TYPE, plan_ledger_response
from tasks.links import downstream_rollup
from tasks.models import Plan, ProgressReport, Section, Task, TaskUnit
from tasks.services import report_submit, task_complete_verify, task_reopen, task_update
from tasks.subtasks import task_subtask_rollup
from units.roles import is_governed, sees_all_tasks

from .permissions import OfficeEditsOthersRead
from .renderers import TaskCSVRenderer, task_csv_lines
from .serializers import (
    CompletionRequestSerializer,
    CompletionVerifySerializer,
    PlanSerializer,
    ProgressReportSerializer,
    ReopenSerializer,
    ReportCreateSerializer,
    SectionSerializer,
    SubTaskRollupSerializer,
    TaskSerializer,
    TaskUnitSerializer,
    TaskWriteSerializer,
    task_list_data,
    task_list_values,
)


class AnnotatedReplyMixin:
    """Reply to a create or update with the row as lists show it, annotations included."""

    def perform_create(self, serializer):
        serializer.instance = self.get_queryset().get(pk=serializer.save().pk)

    def perform_update(self, serializer):
        serializer.instance = self.get_queryset().get(pk=serializer.save().pk)


class PlanViewSet(AnnotatedReplyMixin, viewsets.ModelViewSet):
    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet
    permission_classes = [OfficeEditsOthersRead]

    def get_queryset(self):
        plans = Plan.objects.all()
        user = self.request.user
        if is_governed(user):  # its own governments' plans, and reads upstream ones it works on
            reading = self.request.method in SAFE_METHODS
            plans = plans.visible_to(user) if reading else plans.managed_by(user)
        return (
            plans.annotate(task_count=Count("tasks"))
            .select_related("region")
            .order_by("-year", "title")
        )

    @extend_schema(
        summary="下载方案责任分解表(Excel 台账)",
        description="优化办和领导得到全部任务,单位只得到本单位的任务;方案中没有本单位任务时 404。",
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="ledger.xlsx")
    def ledger(self, request, pk=None, format=None):  # format: the router's .json suffix
        return plan_ledger_response(user=request.user, plan=self.get_object())


class SectionViewSet(viewsets.ModelViewSet):
    serializer_class = SectionSerializer
    filterset_class = SectionFilterSet
    permission_classes = [OfficeEditsOthersRead]

    def get_queryset(self):
        sections = Section.objects.order_by("plan_id", "position")
        if is_governed(self.request.user):
            sections = sections.filter(plan__in=Plan.objects.visible_to(self.request.user))
        return sections


def report_reply(report) -> Response:
    return Response(ProgressReportSerializer(report).data, status=status.HTTP_201_CREATED)


# Tasks read (with their units, deadline and milestones) per query by a streamed CSV.
CSV_CHUNK = 500

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv"],
    description="输出格式:json(默认)或 csv(Excel 可直接打开,列表不分页,含全部符合条件的任务)",
)


@extend_schema_view(
    list=extend_schema(parameters=[FORMAT_PARAMETER]),
    retrieve=extend_schema(parameters=[FORMAT_PARAMETER]),
)
class TaskViewSet(viewsets.ModelViewSet):
    """Tasks the user may see; the office edits, units report through the actions."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    permission_classes = [OfficeEditsOthersRead]

    def get_renderers(self):
        """`?format=csv` exports tasks (a list or one task); other actions answer JSON only."""
        renderers = [renderer() for renderer in api_settings.DEFAULT_RENDERER_CLASSES]
        if self.action in ("list", "retrieve"):
            renderers.append(TaskCSVRenderer())
        return renderers

    def get_queryset(self):
        tasks = Task.objects.visible_to(self.request.user)
        if self.action in ("update", "partial_update", "destroy"):
            tasks = tasks.managed_by(self.request.user)  # upstream tasks: read-only
        return tasks.with_api_relations().order_by("plan_id", "number")

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return TaskWriteSerializer
        return TaskSerializer

    def list(self, request, *args, **kwargs):
        """JSON pages from `.values()` rows; `?format=csv` streams every matching task, read
        and serialized 500 at a time."""
        queryset = self.filter_queryset(self.get_queryset())
        if getattr(request.accepted_renderer, "format", None) != "csv":
            # TaskSerializer's output from `.values()` rows (issue 14: 1,000 a page).
            page = self.paginate_queryset(task_list_values(queryset))
            if page is None:
                return Response(task_list_data(task_list_values(queryset)))
            return self.get_paginated_response(task_list_data(page))

        def rows():
            for task in queryset.iterator(chunk_size=CSV_CHUNK):
                yield TaskSerializer(task, context=self.get_serializer_context()).data

        response = StreamingHttpResponse(task_csv_lines(rows()), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="tasks.csv"'
        return response

    def paginate_queryset(self, queryset):
        """A CSV export holds every matching task, not one page."""
        if getattr(self.request.accepted_renderer, "format", None) == "csv":
            return None
        return super().paginate_queryset(queryset)

    def _page_of(self, queryset, serializer_class) -> Response:
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(serializer_class(queryset, many=True).data)
        return self.get_paginated_response(serializer_class(page, many=True).data)

    def _task_reply(self, task, code=status.HTTP_200_OK) -> Response:
        task = self.get_queryset().get(pk=task.pk)
        return Response(TaskSerializer(task).data, status=code)

    @extend_schema(request=TaskWriteSerializer, responses={201: TaskSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.validated_data.pop("version", None)
        task = serializer.save()
        return self._task_reply(task, status.HTTP_201_CREATED)

    @extend_schema(request=TaskWriteSerializer, responses={200: TaskSerializer})
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        task = self.get_object()
        serializer = self.get_serializer(task, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version")
        task_update(task=task, user=request.user, expected_version=version, changes=changes)
        return self._task_reply(task)

    @extend_schema(request=TaskWriteSerializer, responses={200: TaskSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(
        methods=["GET"], responses=ProgressReportSerializer(many=True), summary="任务的进展报告"
    )
    @extend_schema(
        methods=["POST"],
        request=ReportCreateSerializer,
        responses={201: ProgressReportSerializer},
        summary="报送进展(牵头或责任单位)",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[IsAuthenticated],
        filterset_class=None,
    )
    def reports(self, request, pk=None, format=None):  # format: the router's .json suffix
        task = self.get_object()
        if request.method == "GET":
            reports = task.reports.select_related("unit__region", "author").order_by(
                "-created_at", "-pk"
            )
            return self._page_of(reports, ProgressReportSerializer)
        unknown_files = sorted(set(request.FILES) - {"attachment"})
        if unknown_files:
            # A file under another name would otherwise be dropped without a word.
            raise ValidationError(
                {name: ["附件请用字段名 attachment 上传"] for name in unknown_files}
            )
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        report = report_submit(
            task=task,
            user=request.user,
            status=values["status"],
            progress=values["progress"],
            text=values["text"],
            expected_version=values["version"],
            unit=values.get("unit"),
            attachment=values.get("attachment"),
        )
        return report_reply(report)

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        summary="分解交办汇总与下级落实任务",
        description=(
            "`collectives`:任务中已分解交办的集合名称,各含成员数、已报送、已完成、逾期"
            "及成员单位的状态(单位用户只列本单位);`downstream`:已确认的下级落实任务。"
        ),
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def handdown(self, request, pk=None, format=None):  # format: the router's .json suffix
        task = self.get_object()
        own = None if sees_all_tasks(request.user) else rules.user_unit_ids(request.user)
        collectives = []
        for rollup in task_rollups(task, timezone.localdate()):
            row = rollup.as_dict()
            if own is not None:
                row["member_units"] = [m for m in row["member_units"] if m["unit"] in own]
            collectives.append(row)
        downstream = downstream_rollup(task)
        visible = set(
            Task.objects.visible_to(request.user)
            .filter(pk__in=[t.pk for t in downstream["tasks"]])
            .values_list("pk", flat=True)
        )
        return Response(
            {
                "collectives": collectives,
                "downstream": {
                    "total": downstream["total"],
                    "completed": downstream["completed"],
                    "overdue": downstream["overdue"],
                    "tasks": [
                        {
                            "id": t.pk,
                            "plan": t.plan_id,
                            "number": t.number,
                            "title": t.title,
                            "status": t.status,
                        }
                        for t in downstream["tasks"]
                        if t.pk in visible
                    ],
                },
            }
        )

    @extend_schema(
        responses=SubTaskRollupSerializer,
        summary="任务的子任务(牵头单位分解)及汇总",
        description=(
            "牵头单位在门户中分解的子任务:责任人、完成时限、状态、进度;汇总已完成数、逾期数和"
            "按权重加权的建议进度。建议进度只供牵头单位报送时参考,不改变任务的报送进度。"
        ),
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def subtasks(self, request, pk=None, format=None):  # format: the router's .json suffix
        rollup = task_subtask_rollup(self.get_object(), timezone.localdate())
        return Response(
            SubTaskRollupSerializer(
                {**rollup.as_dict(), "subtasks": rollup.subtasks},
            ).data
        )

    @extend_schema(
        request=CompletionRequestSerializer,
        responses={201: ProgressReportSerializer},
        summary="申请销号(牵头单位)",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="request-completion",
        permission_classes=[IsAuthenticated],
        filterset_class=None,
    )
    def request_completion(
        self, request, pk=None, format=None
    ):  # format: the router's .json suffix
        task = self.get_object()
        serializer = CompletionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = report_submit(
            task=task,
            user=request.user,
            status=TaskStatus.COMPLETION_REQUESTED,
            progress=100,
            text=serializer.validated_data["text"],
            expected_version=serializer.validated_data["version"],
        )
        return report_reply(report)

    @extend_schema(
        methods=["GET"], responses=DeadlineExtensionSerializer(many=True), summary="任务的延期申请"
    )
    @extend_schema(
        methods=["POST"],
        request=ExtensionRequestSerializer,
        responses={201: DeadlineExtensionSerializer},
        summary="申请延期(牵头或责任单位,经审核链审批)",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[IsAuthenticated],
        filterset_class=None,
    )
    def extensions(self, request, pk=None, format=None):  # format: the router's .json suffix
        task = self.get_object()
        if request.method == "GET":
            extensions = (
                DeadlineExtension.objects.filter(deadline__task=task)
                .select_related("deadline", "unit__region")
                .order_by("-created_at", "-pk")
            )
            return self._page_of(extensions, DeadlineExtensionSerializer)
        serializer = ExtensionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        extension = extension_request(task=task, user=request.user, **serializer.validated_data)
        return Response(DeadlineExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CompletionVerifySerializer, responses={200: TaskSerializer}, summary="销号(优化办)"
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def complete(self, request, pk=None, format=None):  # format: the router's .json suffix
        task = self.get_object()
        serializer = CompletionVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task_complete_verify(
            task=task,
            user=request.user,
            expected_version=serializer.validated_data["version"],
            completed_on=serializer.validated_data.get("completed_on"),
        )
        return self._task_reply(task)

    @extend_schema(
        request=ReopenSerializer, responses={200: TaskSerializer}, summary="重新打开(优化办)"
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def reopen(self, request, pk=None, format=None):  # format: the router's .json suffix
        task = self.get_object()
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task_reopen(
            task=task,
            user=request.user,
            expected_version=serializer.validated_data["version"],
            reason=serializer.validated_data.get("reason", ""),
        )
        return self._task_reply(task)


class TaskUnitViewSet(viewsets.ModelViewSet):
    """Units named on tasks (牵头/责任); the office adds or removes them by hand."""

    serializer_class = TaskUnitSerializer
    filterset_class = TaskUnitFilterSet
    permission_classes = [OfficeEditsOthersRead]

    def get_queryset(self):
        tasks = Task.objects.visible_to(self.request.user)
        return (
            TaskUnit.objects.filter(task__in=tasks.values("pk"))
            .select_related("unit__region")
            .order_by("task_id", "role", "position")
        )


class ProgressReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Progress reports on the tasks the user may see; create them on /tasks/{id}/reports/."""

    serializer_class = ProgressReportSerializer
    filterset_class = ProgressReportFilterSet

    def get_queryset(self):
        tasks = Task.objects.visible_to(self.request.user)
        return (
            ProgressReport.objects.filter(task__in=tasks.values("pk"))
            .select_related("unit__region", "author")
            .order_by("-created_at", "-pk")
        )


# The collections other systems start from, across the apps that serve them.
API_COLLECTIONS = {
    "plans": "tasks-api:plan-list",
    "sections": "tasks-api:section-list",
    "tasks": "tasks-api:task-list",
    "task-units": "tasks-api:task-unit-list",
    "reports": "tasks-api:report-list",
    "units": "units-api:unit-list",
    "unit-aliases": "units-api:unit-alias-list",
    "unit-memberships": "units-api:unit-membership-list",
    "deadlines": "deadlines-api:deadline-list",
    "milestones": "deadlines-api:milestone-list",
    "extensions": "deadlines-api:extension-list",
    "dashboard": "dashboard-api:dashboard",
    "supervision/notices": "supervision-api:notice-list",
    "supervision/acknowledgements": "supervision-api:acknowledgement-list",
    "supervision/scores": "supervision-api:score-list",
    "supervision/publications": "supervision-api:publication-list",
    "schema": "api-schema",
    "docs": "api-docs",
}


class ApiRootView(APIRootView):
    """The API's front page (/api/): links to every collection of every app.

    The links carry no format suffix: only the tasks app's routes accept one.
    """

    def get(self, request, *args, **kwargs):
        return Response(
            {name: reverse(url_name, request=request) for name, url_name in API_COLLECTIONS.items()}
        )
