from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from haandguide import keep_typed, public, views
from haandguide.admin import close_unscoped_admins
from haandguide.forms import AdminLoginForm, LoginForm
from integrations.api import urlpatterns as api_urlpatterns

admin.site.site_header = "Haandguide – administration"
admin.site.site_title = "Haandguide"
admin.site.index_title = "Organisation, brugere og opsætning"
close_unscoped_admins(admin.site)
admin.site.login_form = AdminLoginForm  # a refused login of a non-administrator is logged

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/fortsaet/", keep_typed.session_keepalive, name="session_keepalive"),
    path("beskeder/", views.notice_list, name="notice_list"),
    path("beskeder/<int:pk>/laest/", views.notice_seen, name="notice_seen"),
    path("beskeder/alle/laest/", views.notice_seen, {"pk": "alle"}, name="notice_seen_all"),
    path("adgangslog/", views.accesslog, name="accesslog"),
    path("opbevaring/", views.retention_preview, name="retention"),
    path("boern/", include("cases.urls")),
    path("boern/", include("handleplan.urls")),
    path("distriktsraad/", include("districtcouncil.urls")),
    path("statistik/", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", (api_urlpatterns(), "api-v1", "api-v1")),
    path("", include("integrations.urls")),
    path("favicon.ico", public.favicon, name="favicon"),
]

# Danish, plain error pages outside DEBUG (haandguide/public.py).
handler400 = "haandguide.public.bad_request"
handler403 = "haandguide.public.permission_denied"
handler404 = "haandguide.public.page_not_found"
handler500 = "haandguide.public.server_error"

