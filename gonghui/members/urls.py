from django.urls import path

from gonghui.members import views
from gonghui.members.urls_import import urlpatterns as import_urls

app_name = "members"
urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    *import_urls,
]
