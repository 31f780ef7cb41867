from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.cache import cached_dashboard_figures
from dashboard.figures import (
    FILTER_PARAMS,
    DashboardQueryError,
    dashboard_query,
    drill_down_parent,
)
from dashboard.permissions import CanViewDashboard
from ops.replica import replica_reads
from tasks.api.filtering import reject_unknown_params
from tasks.models import Task

from .serializers import DashboardSerializer

# The overdue list is capped; `totals.overdue` and `overdue_link` give the rest.
OVERDUE_ROWS = 500


class DashboardView(APIView):
    """The dashboard's figures as JSON: `?as_of=YYYY-MM-DD&plan=&issuer=&lead_unit=&region=`."""

    permission_classes = [CanViewDashboard]

    @extend_schema(
        summary="督办看板数据",
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="统计日期,默认今天"),
            OpenApiParameter("plan", OpenApiTypes.INT, description="方案"),
            OpenApiParameter("issuer", OpenApiTypes.STR, description="发文机关(政府层级)"),
            OpenApiParameter("lead_unit", OpenApiTypes.INT, description="牵头单位"),
            OpenApiParameter(
                "region",
                OpenApiTypes.INT,
                description="政府(行政区划ID,含下级);by_region 列出其直属下级政府",
            ),
        ],
        responses=DashboardSerializer,
    )
    @replica_reads()
    def get(self, request):
        reject_unknown_params(request.query_params, {"as_of", "format", *FILTER_PARAMS})
        try:
            query, tasks = dashboard_query(
                request.query_params, base=Task.objects.visible_to(request.user)
            )
        except DashboardQueryError as error:
            raise ValidationError(str(error)) from error
        region = drill_down_parent(query, request.user)
        figures = cached_dashboard_figures(
            tasks, query, overdue_limit=OVERDUE_ROWS, region_parent=region, name="api-dashboard"
        )
        figures = dict(figures)  # the cached dict stays as computed
        figures["region"] = region
        figures["filters"] = query.filters
        figures["overdue_link"] = query.link(overdue=True)
        return Response(DashboardSerializer(figures).data)
