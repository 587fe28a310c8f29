"""Backup and restore of the database, with the keys checked (issue 9, point 9).

A backup is a directory: the database (`database.sqlite3`, a consistent copy through SQLite's
backup API, or `database.pgdump`, `pg_dump --format=custom`), and `manifest.json` with the time,
the engine, the audit chain head and entry count, and a fingerprint of each key. The keys
themselves are never written into a backup: a stolen backup must not carry what decrypts it.

`restore` refuses a backup whose key fingerprints differ from the running keys (the ID numbers
would be unreadable and every audit entry would fail its MAC), restores, then verifies the audit
chain and fails when it is broken.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from gonghui.conf import KEY_NAMES

MANIFEST = "manifest.json"
KEYS = KEY_NAMES[1:]  # SECRET_KEY only signs sessions and links: a new one logs people out, nothing more


class BackupError(Exception):
    """The backup cannot be written or restored; the message says why and what to do."""


def key_fingerprints() -> dict[str, str]:
    """A short one-way fingerprint per key: enough to tell keys apart, useless to an attacker."""
    fingerprints = {}
    for name in KEYS:
        value = getattr(settings, name, "")
        if not value:
            raise BackupError(f"{name} is not set: without it the backup could not be used; set it first")
        fingerprints[name] = hashlib.sha256(f"gonghui-key-fingerprint|{value}".encode()).hexdigest()[:16]
    return fingerprints


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _pg_env() -> dict[str, str]:
    params = connection.settings_dict
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    return env


def _pg_args() -> list[str]:
    params = connection.settings_dict
    args = ["--dbname", params["NAME"]]
    if params.get("HOST"):
        args += ["--host", params["HOST"]]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", params["USER"]]
    return args


def backup(target: Path) -> dict:
    from gonghui.core import audit
    from gonghui.core.models import AuditEntry

    fingerprints = key_fingerprints()
    target.mkdir(parents=True, exist_ok=True)
    engine = _engine()
    connection.ensure_connection()
    if engine == "sqlite":
        destination = sqlite3.connect(target / "database.sqlite3")
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
    else:
        command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target / "database.pgdump"), *_pg_args()]
        result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)
        if result.returncode:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "engine": engine,
        "keys": fingerprints,
        "audit_head": audit.chain_head(),
        "audit_entries": AuditEntry.objects.count(),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def read_manifest(source: Path) -> dict:
    try:
        return json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{source} is not a Gonghui backup (no readable {MANIFEST})") from None


def check_keys(manifest: dict) -> None:
    current = key_fingerprints()
    differing = [name for name in KEYS if manifest.get("keys", {}).get(name) != current[name]]
    if differing:
        raise BackupError(
            "the running keys differ from the backup's for "
            + ", ".join(differing)
            + ": set the keys that were in use when the backup was made (see deployment.md, Backups)"
        )


def restore(source: Path):
    """Restore the backup into the configured database, then verify the audit chain."""
    from gonghui.core import audit

    manifest = read_manifest(source)
    check_keys(manifest)
    engine = _engine()
    if manifest.get("engine") != engine:
        raise BackupError(f"the backup is of a {manifest.get('engine')} database, this one is {engine}")
    connection.ensure_connection()
    if engine == "sqlite":
        origin = sqlite3.connect(source / "database.sqlite3")
        try:
            origin.backup(connection.connection)
        finally:
            origin.close()
    else:
        connection.close()
        command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *_pg_args()]
        result = subprocess.run(
            [*command, str(source / "database.pgdump")], env=_pg_env(), capture_output=True, text=True, check=False
        )
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
    return audit.verify(expect_head=manifest.get("audit_head", ""))


def copy_media(target: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.make_archive(str(target / "media"), "gztar", root_dir=media)
