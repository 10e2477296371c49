from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("boern/<int:child_pk>/udtraek/", views.child_record, name="child_record"),
    path("udtraek/skema/barnets-data.json", views.record_schema, name="record_schema"),
]
