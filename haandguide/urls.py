from django.contrib import admin
from django.urls import include, path

from haandguide import keep_typed, public, views
from haandguide.admin import close_unscoped_admins
from haandguide.forms import AdminLoginForm
from integrations.api import urlpatterns as api_urlpatterns
from sso import views as sso_views

admin.site.site_header = "Haandguide – administration"
admin.site.site_title = "Haandguide"
admin.site.index_title = "Organisation, brugere og opsætning"
close_unscoped_admins(admin.site)
admin.site.login_form = AdminLoginForm  # a refused login of a non-administrator is logged
admin.site.login = sso_views.admin_login  # with a second factor for local logins: through the one login page

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", sso_views.LoginView.as_view(), name="login"),
    path("login/udbyder/", include("sso.urls")),
    path("login/kode/", sso_views.totp_verify, name="totp_verify"),
    path("login/kode/opret/", sso_views.totp_enrol, name="totp_enrol"),
    path("logout/", sso_views.sign_out, name="logout"),
    path("session/fortsaet/", keep_typed.session_keepalive, name="session_keepalive"),
    path("beskeder/", views.notice_list, name="notice_list"),
    path("beskeder/<int:pk>/laest/", views.notice_seen, name="notice_seen"),
    path("beskeder/alle/laest/", views.notice_seen, {"pk": "alle"}, name="notice_seen_all"),
    path("adgangslog/", views.accesslog, name="accesslog"),
    path("opbevaring/", views.retention_preview, name="retention"),
    path("boern/", include("cases.urls")),
    path("boern/", include("handleplan.urls")),
    path("faellesskab/", include("community.urls")),
    path("distriktsraad/", include("districtcouncil.urls")),
    path("statistik/", include("reports.urls")),
    path("admin/", admin.site.urls),
    # The parents' portal: its own kind of session (portal/views.py), never a staff login.
    path("portal/", include("portal.urls")),
    path("tilgaengelighed/", public.accessibility, name="accessibility"),
    path("api/v1/", (api_urlpatterns(), "api-v1", "api-v1")),
    path("", include("integrations.urls")),
    path("favicon.ico", public.favicon, name="favicon"),
]

# Danish, plain error pages outside DEBUG (haandguide/public.py).
handler400 = "haandguide.public.bad_request"
handler403 = "haandguide.public.permission_denied"
handler404 = "haandguide.public.page_not_found"
handler500 = "haandguide.public.server_error"

