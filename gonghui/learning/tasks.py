"""Background tasks of learning (django-tasks): the opening rule at enrolment deadlines and the
sweep of freed seats not claimed in time. Both are idempotent; run them every few minutes."""

from django_tasks import task


@task()
def learning_sweep_task():
    from gonghui.learning.management.commands.learning_sweep import sweep

    return sweep()
