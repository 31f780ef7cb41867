from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:job_id>/", views.job_detail, name="detail"),
    path("<int:job_id>/status/", views.job_status, name="status"),
    path("<int:job_id>/download/", views.job_download, name="download"),
    path("<int:job_id>/retry/", views.job_retry_view, name="retry"),
]
