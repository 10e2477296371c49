from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("rapporter/<int:pk>/status/", views.report_status, name="report_status"),
    path("rapporter/<int:pk>/pdf/", views.report_download, name="report_download"),
    path("<slug:kind>/<int:pk>/", views.statistics, name="statistics"),
    path("<slug:kind>/<int:pk>/csv/", views.csv_export, name="csv"),
    path("<slug:kind>/<int:pk>/rapport/", views.report_create, name="report_create"),
]
