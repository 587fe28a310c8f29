from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import path

from gonghui.core import views_audit


def favicon(request):
    """Pages that link no icon (the plain 500 page, a printed card) make browsers ask for /favicon.ico:
    answer with the SVG icon rather than a 404 in the console (issue 18). Resolved per request, so that
    the hashed static name is looked up only once the manifest exists."""
    return HttpResponsePermanentRedirect(static("gonghui/favicon.svg"))


app_name = "core"
urlpatterns = [
    path("audit/", views_audit.AuditLogView.as_view(), name="audit_log"),
    path("favicon.ico", favicon, name="favicon"),
]
