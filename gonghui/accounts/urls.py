from django.urls import path

from gonghui.accounts import views, views_tokens

app_name = "accounts"
urlpatterns = [
    path("", views.StaffListView.as_view(), name="staff_list"),
    path("new/", views.StaffCreateView.as_view(), name="staff_create"),
    path("roles/", views.RoleListView.as_view(), name="roles"),
    path("tokens/", views_tokens.TokenListView.as_view(), name="tokens"),
    path("tokens/<int:token_id>/revoke/", views_tokens.TokenRevokeView.as_view(), name="token_revoke"),
    path("<int:pk>/", views.StaffDetailView.as_view(), name="staff_detail"),
    path("<int:pk>/grant/", views.GrantCreateView.as_view(), name="grant_create"),
    path("<int:pk>/grants/<int:grant_pk>/revoke/", views.GrantRevokeView.as_view(), name="grant_revoke"),
    path("<int:pk>/active/", views.StaffActiveView.as_view(), name="staff_active"),
    path("<int:pk>/password/", views.StaffPasswordView.as_view(), name="staff_password"),
]
