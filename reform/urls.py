from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("portal.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("tasks.api.urls")),
    path("api/", include("units.api.urls")),
    path("", include("tasks.urls")),
    path("api/supervision/", include("supervision.api.urls")),
    path("supervision/", include("supervision.urls")),
    path("reviews/", include("reviews.urls")),
    path("api/", include("deadlines.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("dashboard.api.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("exports/", include("jobs.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/", include("notifications.api.urls")),
]

urlpatterns += [path("", include("ops.urls"))]
handler500 = "ops.views.server_error"
handler400 = "ops.views.bad_request"
handler403 = "ops.views.permission_denied"
handler404 = "ops.views.page_not_found"
