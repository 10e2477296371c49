from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from haandguide import views
from haandguide.forms import AdminLoginForm, LoginForm

admin.site.site_header = "Haandguide – administration"
admin.site.site_title = "Haandguide"
admin.site.index_title = "Organisation, brugere og opsætning"
admin.site.login_form = AdminLoginForm  # a refused login of a non-administrator is logged

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
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
]
