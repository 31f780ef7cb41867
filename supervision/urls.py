from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/<int:task_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("notices/<int:notice_id>/answer/", views.answer, name="answer"),
    path("plans/<int:plan_id>/acknowledge/", views.acknowledge_plan, name="acknowledge-plan"),
    path("proposed/", views.proposed, name="proposed"),
    path("proposed/start/", views.propose_start, name="propose-start"),
    path("notices/<int:notice_id>/print/", views.notice_print, name="notice-print"),
    path("notices/<int:notice_id>/print.pdf", views.notice_pdf, name="notice-pdf"),
    path("unacknowledged/", views.unacknowledged, name="unacknowledged"),
    path("tasks/<int:task_id>/instructions/", views.instruction_create, name="instruction-create"),
    path(
        "instructions/<int:receipt_id>/acknowledge/",
        views.instruction_acknowledge_view,
        name="instruction-acknowledge",
    ),
    path("scores/", views.scores, name="scores"),
    path("scores.xlsx", views.scores_xlsx, name="scores-xlsx"),
]
