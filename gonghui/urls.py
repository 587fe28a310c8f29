from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from gonghui.accounts.views import logout_view
from gonghui.api import api
from gonghui.dashboards.views import HomeView
from gonghui.learning.views_portal import public_certificate as learning_public_certificate

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", logout_view, name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(success_url="/"), name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orgs/", include("gonghui.orgs.urls")),
    path("staff/", include("gonghui.accounts.urls")),
    path("members/", include("gonghui.members.urls")),
    path("m/benefits/", include(("gonghui.benefits.urls_portal", "benefits_portal"), namespace="benefits_portal")),
    path("m/stations/", include(("gonghui.stations.urls_portal", "stations_portal"), namespace="stations_portal")),
    path("m/learning/", include(("gonghui.learning.urls_portal", "learning_portal"), namespace="learning_portal")),
    path("m/charity/", include(("gonghui.charity.urls_portal", "charity_portal"), namespace="charity_portal")),
    path("m/jobs/", include(("gonghui.jobs.urls_portal", "jobs_portal"), namespace="jobs_portal")),
    path("m/", include(("gonghui.members.urls_portal", "portal"), namespace="portal")),
    path("hardship/", include("gonghui.hardship.urls")),
    path("benefits/", include("gonghui.benefits.urls")),
    path("appeals/", include("gonghui.appeals.urls")),
    path("stations/", include("gonghui.stations.urls")),
    path("learning/", include("gonghui.learning.urls")),
    path("c/<str:serial>/", learning_public_certificate, name="certificate_verify"),
    path("charity/", include("gonghui.charity.urls")),
    path("gongyi/", include(("gonghui.charity.urls_public", "charity_public"), namespace="charity_public")),
    path("jobs/", include("gonghui.jobs.urls")),
    path("", include("gonghui.core.urls")),
    path("api/v1/", api.urls),
]

handler400 = "gonghui.core.views.bad_request"
handler403 = "gonghui.core.views.permission_denied"
handler404 = "gonghui.core.views.page_not_found"
handler500 = "gonghui.core.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
