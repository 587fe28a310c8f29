"""Uploads are checked by content, not only by their name (issue 9, point 6).

`matches(upload, extension)` reads the first bytes and answers whether they are what the extension
claims: ZIP for the Office Open XML formats, the OLE2 header for .xls/.doc, the image, PDF and
audio signatures, and for .csv text without NUL bytes that decodes as UTF-8 or GB18030. The file
position is restored, so the caller can store the upload afterwards.
"""

from __future__ import annotations

import codecs

ZIP = (b"PK\x03\x04",)
OLE2 = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
SIGNATURES = {
    ".xlsx": ZIP,
    ".docx": ZIP,
    ".xls": OLE2,
    ".doc": OLE2,
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".pdf": (b"%PDF-",),
    ".amr": (b"#!AMR",),
    ".mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa"),
}


def _head(upload, size: int = 8192) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(size)
    upload.seek(position)
    return head if isinstance(head, bytes) else head.encode()


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # Not final: a multi-byte character may be cut at the end of the sample.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


def matches(upload, extension: str) -> bool:
    """Do the upload's first bytes match what `extension` (".xlsx", ".csv" …) claims?"""
    extension = extension.lower()
    head = _head(upload)
    if extension == ".csv":
        return _is_text(head)
    if extension == ".heic":
        return head[4:8] == b"ftyp"
    if extension == ".webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    signatures = SIGNATURES.get(extension)
    if signatures is None:
        return False
    return any(head.startswith(signature) for signature in signatures)
