from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    AssessmentScoreViewSet,
    EscalationNoticeViewSet,
    InstructionViewSet,
    PlanPublicationViewSet,
    TaskAcknowledgementViewSet,
    TaskEventsView,
)

app_name = "supervision-api"

router = SimpleRouter()
router.register("notices", EscalationNoticeViewSet, basename="notice")
router.register("acknowledgements", TaskAcknowledgementViewSet, basename="acknowledgement")
router.register("scores", AssessmentScoreViewSet, basename="score")
router.register("publications", PlanPublicationViewSet, basename="publication")
router.register("instructions", InstructionViewSet, basename="instruction")

urlpatterns = [
    path("tasks/<int:task_id>/events/", TaskEventsView.as_view(), name="task-events"),
    *router.urls,
]
