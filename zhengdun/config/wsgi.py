import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengdun.config.settings")
application = get_wsgi_application()

# Embedded tier: deadline scans run in one of the server's own processes (core.scheduler).
from zhengdun.core.scheduler import start_embedded_scheduler  # noqa: E402

start_embedded_scheduler()
