"""Background jobs of clue handling; run by Celery on the scale tier, in-process otherwise."""

from celery import shared_task

from zhengdun.clues import deadlines


@shared_task(name="zhengdun.clues.tasks.scan_deadlines")
def scan_deadlines() -> int:
    """Raise near-due and overdue notifications (clues.deadlines.scan)."""
    return deadlines.scan()
