"""The upload flow (DESIGN.md §3.9): upload → validate in the background → preview → confirm →
commit in the background → report. `ImportJob` rows are bookkeeping for that flow; the
members themselves are written only by `members.actions.do_import_roster`.

The background steps run as django-tasks (`members.tasks`); both re-read the stored file, so a
confirm after the database changed commits what is true at that moment, all or nothing.
Progress is saved every few thousand rows in short transactions of its own, so the page that
polls it sees it move while the worker reads and checks the file.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import uploads
from gonghui.core.errors import ActionPermissionError, error_message
from gonghui.core.scoping import user_can
from gonghui.members.importing import FileError, run_import
from gonghui.members.importing.reader import SUFFIXES
from gonghui.members.models import ImportJob
from gonghui.orgs.models import Org

log = logging.getLogger(__name__)
PREVIEW_ERRORS = 50
MAX_UPLOAD_BYTES = getattr(settings, "GONGHUI_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
S = ImportJob.Status


def _enqueue(task_name: str, job_id: int) -> None:
    from gonghui.members import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.enqueue(job_id), robust=True)


@transaction.atomic
def do_create_import_job(*, acting_user, org: Org, upload, partial: bool = False) -> ImportJob:
    """Store an uploaded roster and queue its validation (nothing is imported yet)."""
    if not user_can(acting_user, "member.import", org.path):
        raise ActionPermissionError("member.import", _("您没有向“%(org)s”导入会员的权限") % {"org": org.name})
    name = Path(upload.name or "").name[:200]
    if Path(name).suffix.lower() not in SUFFIXES:
        raise ValidationError({"file": _("请上传 .xlsx、.xls 或 .csv 文件")})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("文件超过 %(mb)d MB，请拆分后分批导入") % {"mb": MAX_UPLOAD_BYTES // 2**20}})
    if not upload.size:
        raise ValidationError({"file": _("文件是空的")})
    if not uploads.matches(upload, Path(name).suffix):
        raise ValidationError({"file": _("文件内容不是有效的 .xlsx、.xls 或 .csv 表格，请检查后重新上传")})
    job = ImportJob(
        org=org,
        org_path=org.path,
        province_id=org.province_id,
        created_by=acting_user,
        original_name=name,
        partial=partial,
    )
    # The stored name carries no part of the uploaded one (which may hold a person's name).
    job.file.save(f"roster{Path(name).suffix.lower()}", ContentFile(upload.read()), save=False)
    job.save(force_insert=True)
    _enqueue("validate_import_task", job.pk)
    return job


@transaction.atomic
def do_confirm_import_job(*, acting_user, job: ImportJob) -> ImportJob:
    job = ImportJob.objects.select_for_update().select_related("org").get(pk=job.pk)
    if not user_can(acting_user, "member.import", job.org_path):
        raise ActionPermissionError("member.import", _("您没有导入会员的权限"))
    if job.status != S.VALIDATED:
        raise ValidationError(_("当前状态为“%(s)s”，不能确认导入") % {"s": job.get_status_display()})
    counts = job.counts or {}
    if counts.get("rejected") and not job.partial:
        raise ValidationError(
            _("有 %(n)d 行未通过校验：请修改后重新上传，或选择“部分导入”") % {"n": counts["rejected"]}
        )
    job.status = S.COMMITTING
    job.processed_rows = 0
    job.save(update_fields=["status", "processed_rows", "updated_at"])
    _enqueue("commit_import_task", job.pk)
    return job


@transaction.atomic
def do_cancel_import_job(*, acting_user, job: ImportJob) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not user_can(acting_user, "member.import", job.org_path):
        raise ActionPermissionError("member.import", _("您没有导入会员的权限"))
    if job.status not in (S.QUEUED, S.VALIDATED, S.FAILED):
        raise ValidationError(_("当前状态为“%(s)s”，不能取消") % {"s": job.get_status_display()})
    job.status = S.CANCELLED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "updated_at"])
    return job


def _progress(job_id: int):
    def report(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done)

    return report


def _report_path(job: ImportJob) -> tuple[Path, str]:
    name = f"imports/reports/{timezone.localdate():%Y/%m}/report-{job.pk}.xlsx"
    return Path(settings.MEDIA_ROOT) / name, name


def _finish(job: ImportJob, run, status: str) -> None:
    result = run.result
    job.status = status
    job.total_rows = result.validated.total
    job.processed_rows = result.validated.total
    job.counts = result.summary()
    job.errors = [e.as_dict() for e in result.all_errors[:PREVIEW_ERRORS]]
    job.warnings = [w.as_dict() for w in result.warnings[:PREVIEW_ERRORS]]
    job.message = ""
    if status == S.DONE:
        job.finished_at = timezone.now()
    job.save()


def _fail(job: ImportJob, message: str) -> None:
    job.status = S.FAILED
    job.message = message[:500]
    job.finished_at = timezone.now()
    job.save()


def _run(job: ImportJob, *, dry_run: bool):
    path, name = _report_path(job)
    try:
        run = run_import(
            job.file.path,
            name=job.original_name,
            org=job.org,
            acting_user=job.created_by,
            partial=job.partial,
            dry_run=dry_run,
            report=path,
            job=job,
            progress=_progress(job.pk),
        )
    except FileError as error:
        report = getattr(error, "report", None)
        if report:
            job.report.name = name
        validated = getattr(error, "validated", None)
        if validated is not None:
            job.errors = [e.as_dict() for e in validated.errors]
            job.total_rows = validated.total
        _fail(job, str(error))
        return None
    except (ValidationError, ActionPermissionError) as error:
        _fail(job, error_message(error) if isinstance(error, ValidationError) else str(error))
        return None
    job.report.name = name
    return run


def validate_job(job_id: int) -> ImportJob | None:
    """Background step 1: read, check and plan the file (dry run) for the preview page."""
    job = ImportJob.objects.select_related("org", "created_by").filter(pk=job_id, status=S.QUEUED).first()
    if job is None:  # cancelled, or already picked up by another worker
        return None
    job.status = S.VALIDATING
    job.save(update_fields=["status", "updated_at"])
    try:
        run = _run(job, dry_run=True)
    except Exception:
        log.exception("import job %s: validation failed", job_id)
        _fail(job, _("校验时发生内部错误，请联系管理员（任务 #%(id)s）") % {"id": job_id})
        return job
    if run is not None:
        _finish(job, run, S.VALIDATED)
    return job


def commit_job(job_id: int) -> ImportJob | None:
    """Background step 2: import the file for real, in one transaction."""
    job = ImportJob.objects.select_related("org", "created_by").filter(pk=job_id, status=S.COMMITTING).first()
    if job is None:
        return None
    try:
        run = _run(job, dry_run=False)
    except Exception:
        log.exception("import job %s: commit failed", job_id)
        _fail(job, _("导入时发生内部错误，没有写入任何数据（任务 #%(id)s）") % {"id": job_id})
        return job
    if run is None:
        return job
    if not run.result.committed:
        _fail(job, _("有 %(n)d 行未通过校验，没有写入任何数据") % {"n": run.counts["rejected"]})
        job.counts = run.result.summary()
        job.save(update_fields=["counts"])
        return job
    _finish(job, run, S.DONE)
    return job
