from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("", views.child_list, name="child_list"),
    path("nyt/", views.child_create, name="child_create"),
    path("<int:pk>/", views.child_detail, name="child_detail"),
    path("<int:pk>/ret/", views.child_edit, name="child_edit"),
    path("<int:pk>/foraeldre/ny/", views.guardian_add, name="guardian_add"),
]
