from rest_framework.routers import SimpleRouter

from .views import DeadlineExtensionViewSet, DeadlineViewSet, MilestoneViewSet

app_name = "deadlines-api"

router = SimpleRouter()
router.register("deadlines", DeadlineViewSet, basename="deadline")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("extensions", DeadlineExtensionViewSet, basename="extension")

urlpatterns = router.urls
