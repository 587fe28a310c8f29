import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
application = get_wsgi_application()

# Load the shipped triage model (built by `gonghui migrate`) and build the OpenAPI schema now, in the
# background, not in the first 建议分类 request or the first visit to /api/v1/docs (issue 18).
from gonghui.api import api  # noqa: E402
from gonghui.appeals.triage import preload  # noqa: E402

preload()
api.warm_schema()
