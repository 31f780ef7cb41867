from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.task_list, name="task-list"),
    path("start/", views.landing, name="landing"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/report/", views.report_create, name="report-create"),
    path("tasks/<int:pk>/extension/", views.extension_create, name="extension-create"),
    path("reports/<int:pk>/attachment/", views.report_attachment, name="report-attachment"),
    path("reminders/send/", views.reminders_start, name="reminders-start"),
]
