from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("units/", views.unit_suggestions_json, name="unit-suggestions"),
    path("bulletin/", views.bulletin, name="bulletin"),
    path("bulletin.xlsx", views.bulletin_xlsx, name="bulletin-xlsx"),
    path("bulletin.pdf", views.bulletin_pdf, name="bulletin-pdf"),
]
