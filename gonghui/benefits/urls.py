from django.urls import path

from gonghui.benefits import views

app_name = "benefits"
urlpatterns = [
    path("partners/", views.PartnerListView.as_view(), name="partners"),
    path("partners/new/", views.PartnerCreateView.as_view(), name="partner_create"),
    path("partners/<int:pk>/", views.PartnerDetailView.as_view(), name="partner"),
    path("partners/<int:pk>/offers/new/", views.OfferCreateView.as_view(), name="offer_create"),
    path("partners/<int:pk>/staff/new/", views.PartnerStaffAddView.as_view(), name="staff_add"),
    path("partners/<int:pk>/edit/", views.PartnerEditView.as_view(), name="partner_edit"),
    path("partners/<int:pk>/status/<str:what>/", views.PartnerStatusView.as_view(), name="partner_status"),
    path("partners/<int:pk>/offers/<int:offer>/edit/", views.OfferEditView.as_view(), name="offer_edit"),
    path("partners/<int:pk>/offers/<int:offer>/withdraw/", views.offer_withdraw, name="offer_withdraw"),
    path("partners/<int:pk>/staff/<int:link>/remove/", views.staff_remove, name="staff_remove"),
    path("campaigns/", views.CampaignListView.as_view(), name="campaigns"),
    path("campaigns/new/", views.CampaignCreateView.as_view(), name="campaign_create"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign"),
    path("campaigns/<int:pk>/edit/", views.CampaignEditView.as_view(), name="campaign_edit"),
    path("campaigns/<int:pk>/vouchers/revoke/", views.VoucherRevokeView.as_view(), name="voucher_revoke"),
    path("campaigns/<int:pk>/vouchers/revoke-unused/", views.RevokeUnusedView.as_view(), name="revoke_unused"),
    path("campaigns/<int:pk>/<str:what>/", views.campaign_action, name="campaign_action"),
    path("services/", views.ServiceListView.as_view(), name="services"),
    path("services/new/", views.ServiceCreateView.as_view(), name="service_create"),
    path("services/<int:pk>/", views.ServiceDetailView.as_view(), name="service"),
    path("services/<int:pk>/edit/", views.ServiceEditView.as_view(), name="service_edit"),
    path("services/<int:pk>/<str:what>/", views.service_action, name="service_action"),
    path("medical/", views.MedicalTotalsView.as_view(), name="medical"),
    path("feedback/", views.FeedbackListView.as_view(), name="feedback"),
    path("feedback/<int:pk>/handle/", views.FeedbackHandleView.as_view(), name="feedback_handle"),
    path("counter/", views.counter_view, name="counter"),
    path("counter/check/", views.counter_check, name="counter_check"),
    path("counter/redeem/", views.counter_redeem, name="counter_redeem"),
    path("counter/use/", views.counter_card_use, name="counter_card_use"),
    path("counter/medical/", views.counter_medical, name="counter_medical"),
]
