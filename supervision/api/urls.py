from rest_framework.routers import SimpleRouter

from .views import AssessmentScoreViewSet, EscalationNoticeViewSet, TaskAcknowledgementViewSet

app_name = "supervision-api"

router = SimpleRouter()
router.register("notices", EscalationNoticeViewSet, basename="notice")
router.register("acknowledgements", TaskAcknowledgementViewSet, basename="acknowledgement")
router.register("scores", AssessmentScoreViewSet, basename="score")

urlpatterns = router.urls
