import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
application = get_wsgi_application()

# Load the shipped triage model (built by `gonghui migrate`) now, not in the first 建议分类 request.
from gonghui.appeals.triage import preload  # noqa: E402

preload()
