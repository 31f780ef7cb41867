from rest_framework.routers import DefaultRouter

from .views import (
    PlanViewSet,
    ProgressReportViewSet,
    SectionViewSet,
    TaskUnitViewSet,
    TaskViewSet,
)

app_name = "tasks-api"

router = DefaultRouter()
router.register("plans", PlanViewSet, basename="plan")
router.register("sections", SectionViewSet, basename="section")
router.register("tasks", TaskViewSet, basename="task")
router.register("task-units", TaskUnitViewSet, basename="task-unit")
router.register("reports", ProgressReportViewSet, basename="report")

urlpatterns = router.urls
