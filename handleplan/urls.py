from django.urls import path

from handleplan import views

app_name = "handleplan"
urlpatterns = [
    path("<int:child_pk>/handleplan/", views.plan_detail, name="plan_detail"),
    path("<int:child_pk>/handleplan/start/", views.plan_start, name="plan_start"),
    path("<int:child_pk>/handleplan/ret/", views.plan_edit, name="plan_edit"),
    path("<int:child_pk>/handleplan/indsats/ny/", views.effort_add, name="effort_add"),
    path("<int:child_pk>/handleplan/indsats/<int:effort_pk>/ret/", views.effort_edit, name="effort_edit"),
    path("<int:child_pk>/handleplan/evaluering/ny/<int:effort_pk>/", views.evaluation_add, name="evaluation_add"),
    path("<int:child_pk>/handleplan/deling/", views.plan_share, name="plan_share"),
    path("<int:child_pk>/handleplan/versioner/", views.version_list, name="version_list"),
    path("<int:child_pk>/handleplan/versioner/<int:a>/<int:b>/", views.version_diff, name="version_diff"),
    path("<int:child_pk>/handleplan/pdf/", views.plan_pdf, name="plan_pdf"),
    path("paamindelser/", views.reminder_list, name="reminder_list"),  # old address: redirects to Beskeder
    path("forfaldne-evalueringer/", views.overdue_list, name="overdue_list"),
]
