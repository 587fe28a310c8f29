"""Background tasks owned by appeals (django-tasks; run by `gonghui db_worker`)."""

from django_tasks import task


@task()
def sla_sweep_task():
    """Mark due-soon and overdue tickets, urge, open supervision, report, escalate crisis calls."""
    from gonghui.appeals.sweep import sweep

    return sweep()
