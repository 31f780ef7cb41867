from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import (
    ApiRootView,
    PlanViewSet,
    ProgressReportViewSet,
    SectionViewSet,
    TaskUnitViewSet,
    TaskViewSet,
)

app_name = "tasks-api"

router = DefaultRouter()
router.APIRootView = ApiRootView  # /api/ lists every app's collections, not only these
router.register("plans", PlanViewSet, basename="plan")
router.register("sections", SectionViewSet, basename="section")
router.register("tasks", TaskViewSet, basename="task")
router.register("task-units", TaskUnitViewSet, basename="task-unit")
router.register("reports", ProgressReportViewSet, basename="report")

urlpatterns = [
    # The ledger as a file name, like the page's /plans/<id>/ledger.xlsx: a client that
    # does not follow redirects got a 301 to ".../ledger.xlsx/". Documented once (schema=None).
    path(
        "plans/<int:pk>/ledger.xlsx",
        PlanViewSet.as_view({"get": "ledger"}, schema=None),
        name="plan-ledger-file",
    ),
    *router.urls,
]
