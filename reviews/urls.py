from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/decide/", views.decide, name="review-decide"),
    path("<int:pk>/answer/", views.answer, name="review-answer"),
]
