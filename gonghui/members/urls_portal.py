"""URL patterns of the member portal (/m/, namespace "portal"). No pattern takes a person's,
application's or card's id, and none carries a mobile number: see members/portal/views.py."""

from django.urls import path

from gonghui.members.portal import views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code_view, name="login_code"),
    path("login/resend/", views.resend_code_view, name="login_resend"),
    path("logout/", views.logout_view, name="logout"),
    path("join/", views.join_view, name="join"),
    path("join/<str:code>/", views.join_org_view, name="join_org"),
    path("applications/", views.applications_view, name="applications"),
    path("applications/withdraw/", views.withdraw_application_view, name="withdraw_application"),
    path("transfer/", views.transfer_view, name="transfer"),
    path("transfer/cancel/", views.cancel_transfer_view, name="cancel_transfer"),
    path("profile/", views.profile_view, name="profile"),
    path("dues/", views.dues_view, name="dues"),
    path("card/", views.card_view, name="card"),
    path("card/print/", views.card_print_view, name="card_print"),
    # Staff console: an org's join link and QR code (for posters).
    path("staff/join-qr/<str:code>/", views.OrgJoinQrView.as_view(), name="org_join_qr"),
]
