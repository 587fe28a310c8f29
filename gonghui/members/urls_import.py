"""URL patterns for the member import pages (included by members/urls.py)."""

urlpatterns: list = []
