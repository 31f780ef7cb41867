from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.task_list, name="task-list"),
    path("start/", views.landing, name="landing"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/record.pdf", views.task_record, name="task-record-pdf"),
    path("tasks/<int:pk>/report/", views.report_create, name="report-create"),
    path("tasks/<int:pk>/extension/", views.extension_create, name="extension-create"),
    path("tasks/<int:pk>/subtasks/", views.subtask_create_view, name="subtask-create"),
    path("tasks/<int:pk>/subtasks/<int:subtask_pk>/", views.subtask_edit, name="subtask-edit"),
    path(
        "tasks/<int:pk>/subtasks/<int:subtask_pk>/complete/",
        views.subtask_complete_view,
        name="subtask-complete",
    ),
    path("reports/<int:pk>/attachment/", views.report_attachment, name="report-attachment"),
    path("reports/<int:pk>/return/", views.report_return_create, name="report-return"),
    path("reminders/send/", views.reminders_start, name="reminders-start"),
]
