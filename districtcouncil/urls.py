from django.urls import path

from districtcouncil import views

app_name = "districtcouncil"
urlpatterns = [
    path("", views.council_home, name="home"),
    path("oversigt/", views.overview, name="overview"),
    path("moeder/", views.meeting_archive, name="meeting_archive"),
    path("moeder/serie/", views.meeting_series, name="meeting_series"),
    path("indstillinger/", views.submission_list, name="submission_list"),
    path("moeder/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("moeder/<int:pk>/dagsorden.pdf", views.agenda_pdf, name="agenda_pdf"),
    path("indstillinger/ny/", views.submission_create, name="submission_create"),
    path("indstillinger/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("indstillinger/<int:pk>/ret/", views.submission_edit, name="submission_edit"),
    path("indstillinger/<int:pk>/send/", views.submission_submit, name="submission_submit"),
    path("indstillinger/<int:pk>/traek-tilbage/", views.submission_withdraw, name="submission_withdraw"),
    path("indstillinger/<int:pk>/vurdering/", views.review_save, name="review_save"),
    path("indstillinger/<int:pk>/afgoerelse/", views.decision_create, name="decision_create"),
    path("indstillinger/<int:pk>/dokumenter/<int:document_pk>/", views.document_download, name="document"),
    path("afgoerelser/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("afgoerelser/<int:pk>/revurdering/", views.decision_reassess, name="decision_reassess"),
    path("afgoerelser/<int:pk>/revisitation/", views.revisitation_create, name="revisitation"),
    path("afgoerelser/<int:pk>/breve/<int:letter_pk>/", views.letter_pdf, name="letter"),
    path("afgoerelser/<int:pk>/breve/<int:letter_pk>/sendt/", views.letter_dispatch, name="letter_dispatch"),
    path("visitation/<int:child_pk>/", views.visitation_create, name="visitation"),
]
