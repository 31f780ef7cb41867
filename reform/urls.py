from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "改革任务督办系统"
admin.site.site_title = "改革任务督办系统"
admin.site.index_title = "优化办工作台"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include("tasks.api.urls")),
    path("api/", include("units.api.urls")),
]
