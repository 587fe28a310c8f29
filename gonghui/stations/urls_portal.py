"""附近服务 in the member portal (/m/stations/, namespace "stations_portal"): the member's location is
posted, never put in a URL; the station code in the URL is public (it is on the plaque)."""

from django.urls import path

from gonghui.stations import portal

urlpatterns = [
    path("", portal.nearby, name="nearby"),
    path("s/<str:code>/", portal.station_page, name="station"),
    path("s/<str:code>/checkin/", portal.check_in, name="checkin"),
    path("s/<str:code>/rate/", portal.rate, name="rate"),
]
