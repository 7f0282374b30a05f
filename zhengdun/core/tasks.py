"""Background jobs of the foundation; run by Celery on the scale tier, in-process otherwise."""

from celery import shared_task

from zhengdun.core import scheduler


@shared_task(name="zhengdun.core.tasks.run_jobs")
def run_jobs() -> int:
    """Run every periodic job registered in core.hooks.JOBS (the same list the embedded
    scheduler thread runs); returns how many failed."""
    return scheduler.run_due_jobs()
