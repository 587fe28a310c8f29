"""Member portal pages of learning (/m/learning/, namespace "learning_portal"): no personal data in URLs."""

from django.urls import path

from gonghui.learning import views_portal as views

urlpatterns = [
    path("", views.course_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("surveys/", views.surveys, name="surveys"),
    path("<int:pk>/", views.course_page, name="course"),
    path("<int:pk>/do/<str:what>/", views.course_action, name="action"),
    path("certificates/<str:serial>/", views.my_certificate, name="certificate"),
    path("checkin/<str:token>/", views.check_in, name="checkin"),
]
