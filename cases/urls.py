from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("", views.child_list, name="child_list"),
    path("nyt/", views.child_create, name="child_create"),
    path("aaben-raadgivning/", views.counselling_list, name="counselling_list"),
    path("aaben-raadgivning/ny/", views.counselling_create, name="counselling_create"),
    path("aaben-raadgivning/<int:session_pk>/", views.counselling_detail, name="counselling_detail"),
    path("aaben-raadgivning/<int:session_pk>/book/", views.counselling_book, name="counselling_book"),
    path("familiegrupper/", views.family_group_list, name="family_group_list"),
    path("familiegrupper/ny/", views.family_group_create, name="family_group_create"),
    path("familiegrupper/<int:group_pk>/", views.family_group_detail, name="family_group_detail"),
    path("familiegrupper/<int:group_pk>/deltagere/", views.family_group_participant_add,
         name="family_group_participant_add"),
    path("familiegrupper/<int:group_pk>/gange/", views.family_group_session_add, name="family_group_session_add"),
    path("familiegrupper/<int:group_pk>/gange/<int:session_pk>/", views.family_group_attendance,
         name="family_group_attendance"),
    path("<int:pk>/", views.child_detail, name="child_detail"),
    path("<int:pk>/ret/", views.child_edit, name="child_edit"),
    path("<int:pk>/foraeldre/ny/", views.guardian_add, name="guardian_add"),
    path("<int:pk>/sag/<slug:action>/", views.case_transition, name="case_transition"),
    path("<int:pk>/observationer/", views.observation_list, name="observations"),
    path("<int:pk>/observationer/ny/", views.observation_create, name="observation_create"),
    path("<int:pk>/bilag/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/samtykke/", views.consent_page, name="consents"),
    path("<int:pk>/samtykke/<int:consent_pk>/tilbagekald/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/moeder/nyt/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/moeder/<int:meeting_pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/henvisning/", views.referral_create, name="referral_create"),
    path("<int:pk>/underretning/", views.underretning_create, name="underretning_create"),
    path("<int:pk>/raadgivere/", views.counsellor_attach, name="counsellor_attach"),
    path("<int:pk>/raadgivere/<int:assignment_pk>/afslut/", views.counsellor_detach, name="counsellor_detach"),
]
