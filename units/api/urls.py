from rest_framework.routers import SimpleRouter

from .views import UnitAliasViewSet, UnitMembershipViewSet, UnitViewSet

app_name = "units-api"

router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("unit-aliases", UnitAliasViewSet, basename="unit-alias")
router.register("unit-memberships", UnitMembershipViewSet, basename="unit-membership")

urlpatterns = router.urls
