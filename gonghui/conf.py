"""Reading settings from the environment.

Every setting Gonghui reads is parsed here so that a bad value stops start-up with a
message naming the variable, instead of surfacing later as an obscure failure.
`settings.py` calls these helpers; tests call them directly.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from pathlib import Path


class SettingError(Exception):
    """A setting is missing or malformed; the message names it and says what is expected."""


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool, environ=os.environ) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int, environ=os.environ, minimum: int | None = None) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise SettingError(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str], environ=os.environ) -> list[str]:
    raw = environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_choice(name: str, default: str, choices: set[str], environ=os.environ) -> str:
    value = environ.get(name, default).strip()
    if value not in choices:
        raise SettingError(f"{name}={value!r} must be one of: {', '.join(sorted(choices))}")
    return value


def decode_key(name: str, raw: str, length: int) -> bytes:
    """Decode a base64 key and check its length (AES-256 and HMAC keys are 32 bytes)."""
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SettingError(f"{name} is not valid base64") from None
    if len(key) != length:
        raise SettingError(f"{name} must decode to {length} bytes, got {len(key)}")
    return key


KEY_NAMES = ("SECRET_KEY", "GONGHUI_FIELD_KEY", "GONGHUI_INDEX_KEY", "GONGHUI_SIGNING_KEY", "GONGHUI_AUDIT_KEY")


def generate_keys() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "GONGHUI_FIELD_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "GONGHUI_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        # Ed25519 private keys are 32 random bytes.
        "GONGHUI_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        # HMAC-SHA256 key that seals every audit entry (core.audit); never stored in the database.
        "GONGHUI_AUDIT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def load_keys(production: bool, key_file: Path, environ=os.environ) -> dict[str, str]:
    """Keys come from the environment; in development they are generated once into var/.

    Generating them in production would silently make every encrypted ID number unreadable
    after a restart on a new machine, so production refuses to start without them.
    """
    keys: dict[str, str] = {}
    missing = [name for name in KEY_NAMES if not environ.get(name)]
    if missing and production:
        raise SettingError(
            f"{missing[0]} is not set; production (GONGHUI_ENV=production) needs "
            f"{', '.join(KEY_NAMES)} (see .env.example)"
        )
    if missing:
        if key_file.exists():
            try:
                stored = json.loads(key_file.read_text())
            except (OSError, ValueError):
                raise SettingError(f"{key_file} is not readable JSON; delete it to regenerate") from None
            added = {name: value for name, value in generate_keys().items() if name not in stored}
            if added:
                # A key file from an older version lacks a newer key: add it, keep the others.
                stored.update(added)
                key_file.write_text(json.dumps(stored, indent=2))
        else:
            stored = generate_keys()
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(json.dumps(stored, indent=2))
            key_file.chmod(0o600)
        keys.update(stored)
    for name in KEY_NAMES:
        if environ.get(name):
            keys[name] = environ[name]
    for name in KEY_NAMES[1:]:
        decode_key(name, keys[name], 32)
    if production and len(keys["SECRET_KEY"]) < 32:
        raise SettingError("SECRET_KEY must be at least 32 characters in production")
    return keys


def database_config(url: str | None, var_dir: Path) -> dict:
    """The default database; without DATABASE_URL, SQLite in the var directory (GONGHUI_VAR_DIR)."""
    import dj_database_url

    if not url:
        url = f"sqlite:///{var_dir / 'gonghui.sqlite3'}"
    if url.split(":", 1)[0] not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise SettingError(f"DATABASE_URL scheme must be sqlite:// or postgres://, got {url.split(':', 1)[0]!r}")
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except Exception as exc:  # dj_database_url raises several types for a bad URL
        raise SettingError(f"DATABASE_URL is malformed: {exc}") from None
    if config["ENGINE"].endswith("sqlite3"):
        config["OPTIONS"] = {
            # WAL lets readers run beside one writer; IMMEDIATE makes a write transaction take
            # the write lock at BEGIN so two writers queue instead of failing mid-transaction.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
        name = Path(config["NAME"])
        if str(name) != ":memory:":
            name.parent.mkdir(parents=True, exist_ok=True)
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
    config.setdefault("TEST", {})
    return config
