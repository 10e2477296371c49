from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("log-ind/", views.sign_in, name="sign_in"),
    path("log-ind/link/<str:token>/", views.link, name="link"),
    path("log-ud/", views.sign_out, name="sign_out"),
    path("boern/<int:child_pk>/", views.child_detail, name="child"),
    path("boern/<int:child_pk>/samtykke/", views.consents, name="consents"),
    path("boern/<int:child_pk>/samtykke/<int:purpose_pk>/giv/", views.consent_give, name="consent_give"),
    path("boern/<int:child_pk>/samtykke/<int:consent_pk>/tilbagetraek/", views.consent_withdraw,
         name="consent_withdraw"),
    path("boern/<int:child_pk>/indstillinger/<int:submission_pk>/godkend/", views.submission_approve,
         name="submission_approve"),
    path("boern/<int:child_pk>/perspektiv/", views.perspective, name="perspective"),
    path("boern/<int:child_pk>/breve/<int:letter_pk>/", views.letter, name="letter"),
    path("boern/<int:child_pk>/indsigt/", views.access_overview, name="access"),
    # Staff: the leader puts a letter in the portal (until the outbox of issue 19 does it).
    path("personale/afgoerelser/<int:pk>/breve/<int:letter_pk>/send/", views.letter_publish, name="letter_publish"),
]
