from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("", views.home, name="home"),
    path("stuer/<int:pk>/", views.group_detail, name="group_detail"),
    path("stuer/<int:pk>/plan/", views.group_plan_edit, name="group_plan_edit"),
    path("stuer/<int:pk>/topi/", views.round_open, name="round_open"),
    path("topi/<int:pk>/", views.round_detail, name="round_detail"),
    path("topi/<int:pk>/vurder/", views.round_rate, name="round_rate"),
    path("evalueringer/", views.evaluations, name="evaluations"),
    path("sparring/", views.sparring, name="sparring"),
    path("boern/<int:child_pk>/forslag/", views.proposals, name="proposals"),
    path("boern/<int:child_pk>/forslag/<int:pk>/", views.proposal_decide, name="proposal_decide"),
    path("raadgivning/<int:session_pk>/link/", views.invitation_create, name="invitation_create"),
    path("book/", views.book, name="book"),
]
