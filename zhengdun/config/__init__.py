# Load the Celery app with Django so @shared_task binds to it (and to its eager mode on the
# embedded tier) wherever tasks are called from.
from zhengdun.config.celery import app as celery_app

__all__ = ["celery_app"]
