"""Uploads are checked by their content, not only their extension (issue 9, point 6)."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.core.uploads import matches


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["姓名", "证件号码"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "extension, content, ok",
    [
        (".xlsx", None, True),
        (".xlsx", b"name,doc\n", False),
        (".xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", True),
        (".xls", b"<html>", False),
        (".csv", "姓名,证件号码\n张三,1\n".encode(), True),
        (".csv", "姓名,证件号码\n".encode("gbk"), True),
        (".csv", b"MZ\x90\x00\x03\x00", False),
        (".jpg", b"\xff\xd8\xff\xe0JFIF", True),
        (".jpg", b"<?php system($_GET['c']); ?>", False),
        (".png", b"\x89PNG\r\n\x1a\nIHDR", True),
        (".pdf", b"%PDF-1.7", True),
        (".pdf", b"MZ", False),
        (".webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", True),
        (".heic", b"\x00\x00\x00\x18ftypheic", True),
        (".exe", b"MZ", False),
    ],
)
def test_it_checks_the_first_bytes_against_the_extension(extension, content, ok):
    upload = SimpleUploadedFile(f"f{extension}", content if content is not None else _xlsx())
    upload.read(3)
    position = upload.tell()
    assert matches(upload, extension) is ok
    assert upload.tell() == position  # kept for whoever stores the file


def test_it_refuses_a_roster_that_is_not_a_spreadsheet(tree, personas, settings, tmp_path):
    """Failed before: a text file named .xlsx was stored and queued for validation."""
    from gonghui.members.importing.jobs import do_create_import_job
    from gonghui.members.models import ImportJob

    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as error:
        do_create_import_job(
            acting_user=personas.own, org=tree.grassroots, upload=SimpleUploadedFile("名册.xlsx", b"<script>x</script>")
        )
    assert "file" in error.value.message_dict
    assert not ImportJob.objects.exists()
