from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("plans/<int:plan_id>/ledger.xlsx", views.plan_ledger, name="plan-ledger"),
]
