from django.urls import path

from sso import views

app_name = "sso"

urlpatterns = [
    path("", views.start, name="start"),
    path("svar/", views.callback, name="callback"),
]
