from django.urls import path

from sso import views

app_name = "sso"

urlpatterns = [
    path("<slug:slug>/", views.start, name="start"),
    path("<slug:slug>/svar/", views.callback, name="callback"),
]
