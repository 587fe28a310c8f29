from django.urls import path

from gonghui.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.OrgTreeView.as_view(), name="tree"),
    path("search/", views.OrgSearchView.as_view(), name="search"),
    path("picker/", views.org_picker, name="picker"),
    path("<str:code>/", views.OrgDetailView.as_view(), name="detail"),
    path("<str:code>/children/", views.OrgChildrenPartial.as_view(), name="children"),
    path("<str:code>/new/", views.OrgCreateView.as_view(), name="create"),
    path("<str:code>/edit/", views.OrgUpdateView.as_view(), name="update"),
    path("<str:code>/move/", views.OrgMoveView.as_view(), name="move"),
    path("<str:code>/close/", views.OrgCloseView.as_view(), name="close"),
    path("<str:code>/merge/", views.OrgMergeView.as_view(), name="merge"),
]
