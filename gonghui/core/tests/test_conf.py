"""Settings from the environment (gonghui/conf.py): a bad value names its variable and stops start-up."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gonghui.conf import (
    KEY_NAMES,
    SettingError,
    database_config,
    decode_key,
    env_bool,
    env_choice,
    env_int,
    env_list,
    generate_keys,
    load_keys,
)

REPO = Path(__file__).resolve().parents[3]


def _b64(n: int) -> str:
    return base64.b64encode(b"k" * n).decode()


def _good_keys() -> dict[str, str]:
    return {
        "SECRET_KEY": "s" * 50,
        "GONGHUI_FIELD_KEY": _b64(32),
        "GONGHUI_INDEX_KEY": _b64(32),
        "GONGHUI_SIGNING_KEY": _b64(32),
        "GONGHUI_AUDIT_KEY": _b64(32),
    }


# --- env_bool / env_int / env_choice / env_list -------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "on"])
def test_it_reads_true_words(raw):
    assert env_bool("DEBUG", False, {"DEBUG": raw}) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_it_reads_false_words(raw):
    assert env_bool("DEBUG", True, {"DEBUG": raw}) is False


def test_it_uses_the_default_when_a_bool_is_unset():
    assert env_bool("DEBUG", True, {}) is True
    assert env_bool("DEBUG", False, {}) is False


def test_it_names_the_variable_of_a_bad_bool():
    with pytest.raises(SettingError) as error:
        env_bool("GONGHUI_SOMETHING", False, {"GONGHUI_SOMETHING": "maybe"})
    assert "GONGHUI_SOMETHING" in str(error.value)
    assert "maybe" in str(error.value)


def test_it_reads_ints_and_defaults():
    assert env_int("GONGHUI_PORT", 8000, {"GONGHUI_PORT": "9001"}) == 9001
    assert env_int("GONGHUI_PORT", 8000, {}) == 8000
    assert env_int("GONGHUI_PORT", 8000, {"GONGHUI_PORT": "  "}) == 8000


def test_it_names_the_variable_of_a_bad_int():
    with pytest.raises(SettingError) as error:
        env_int("GONGHUI_PORT", 8000, {"GONGHUI_PORT": "80a"})
    assert "GONGHUI_PORT" in str(error.value)
    assert "whole number" in str(error.value)


def test_it_names_the_variable_of_an_int_below_its_minimum():
    with pytest.raises(SettingError) as error:
        env_int("GONGHUI_AUDIT_BLOCK_SIZE", 5000, {"GONGHUI_AUDIT_BLOCK_SIZE": "0"}, minimum=1)
    assert "GONGHUI_AUDIT_BLOCK_SIZE" in str(error.value)
    assert "at least 1" in str(error.value)


def test_it_reads_a_choice_and_names_the_variable_of_a_bad_one():
    choices = {"development", "production", "test"}
    assert env_choice("GONGHUI_ENV", "development", choices, {}) == "development"
    assert env_choice("GONGHUI_ENV", "development", choices, {"GONGHUI_ENV": " test "}) == "test"
    with pytest.raises(SettingError) as error:
        env_choice("GONGHUI_ENV", "development", choices, {"GONGHUI_ENV": "prod"})
    message = str(error.value)
    assert "GONGHUI_ENV" in message and "'prod'" in message
    assert "development, production, test" in message


def test_it_splits_lists():
    assert env_list("ALLOWED_HOSTS", ["x"], {"ALLOWED_HOSTS": " a.cn, b.cn ,,"}) == ["a.cn", "b.cn"]
    assert env_list("ALLOWED_HOSTS", ["x"], {}) == ["x"]


# --- keys -----------------------------------------------------------------------------------------


def test_it_refuses_production_without_keys_naming_the_first_missing(tmp_path):
    with pytest.raises(SettingError) as error:
        load_keys(True, tmp_path / "keys.json", {})
    assert str(error.value).startswith("SECRET_KEY is not set")
    assert not (tmp_path / "keys.json").exists()


def test_it_names_the_first_missing_key_when_some_are_set(tmp_path):
    environ = _good_keys()
    del environ["GONGHUI_INDEX_KEY"]
    del environ["GONGHUI_SIGNING_KEY"]
    with pytest.raises(SettingError) as error:
        load_keys(True, tmp_path / "keys.json", environ)
    assert str(error.value).startswith("GONGHUI_INDEX_KEY is not set")


def test_it_accepts_complete_production_keys(tmp_path):
    keys = load_keys(True, tmp_path / "keys.json", _good_keys())
    assert keys == _good_keys()
    assert not (tmp_path / "keys.json").exists()


def test_it_refuses_a_short_secret_key_in_production(tmp_path):
    environ = {**_good_keys(), "SECRET_KEY": "short"}
    with pytest.raises(SettingError) as error:
        load_keys(True, tmp_path / "keys.json", environ)
    assert "SECRET_KEY" in str(error.value)


@pytest.mark.parametrize("name", KEY_NAMES[1:])
def test_it_rejects_a_key_that_is_not_base64(tmp_path, name):
    environ = {**_good_keys(), name: "not base64 !!"}
    with pytest.raises(SettingError) as error:
        load_keys(True, tmp_path / "keys.json", environ)
    assert str(error.value) == f"{name} is not valid base64"


@pytest.mark.parametrize("name", KEY_NAMES[1:])
def test_it_rejects_a_key_of_the_wrong_length(tmp_path, name):
    environ = {**_good_keys(), name: _b64(16)}
    with pytest.raises(SettingError) as error:
        load_keys(False, tmp_path / "keys.json", environ)
    assert str(error.value) == f"{name} must decode to 32 bytes, got 16"


def test_it_decodes_a_good_key():
    assert decode_key("GONGHUI_FIELD_KEY", " " + _b64(32) + "\n", 32) == b"k" * 32


def test_it_generates_development_keys_once_and_reuses_them(tmp_path):
    key_file = tmp_path / "var" / "keys.json"
    first = load_keys(False, key_file, {})
    assert key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert set(first) == set(KEY_NAMES)
    for name in KEY_NAMES[1:]:
        assert len(base64.b64decode(first[name])) == 32
    assert json.loads(key_file.read_text()) == first
    second = load_keys(False, key_file, {})
    assert second == first


def test_it_generates_different_keys_for_different_installations(tmp_path):
    a = load_keys(False, tmp_path / "a" / "keys.json", {})
    b = load_keys(False, tmp_path / "b" / "keys.json", {})
    assert all(a[name] != b[name] for name in KEY_NAMES)
    assert generate_keys() != generate_keys()


def test_it_lets_the_environment_override_generated_keys(tmp_path):
    key_file = tmp_path / "keys.json"
    generated = load_keys(False, key_file, {})
    override = _b64(32).replace("a", "b")
    keys = load_keys(False, key_file, {"GONGHUI_FIELD_KEY": override})
    assert keys["GONGHUI_FIELD_KEY"] == override
    assert keys["GONGHUI_INDEX_KEY"] == generated["GONGHUI_INDEX_KEY"]


def test_it_names_an_unreadable_key_file(tmp_path):
    key_file = tmp_path / "keys.json"
    key_file.write_text("{not json")
    with pytest.raises(SettingError) as error:
        load_keys(False, key_file, {})
    assert str(key_file) in str(error.value)


# --- database -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["mysql://u:p@localhost/db", "oracle://x", "redis://localhost:6379/0"])
def test_it_rejects_an_unknown_database_scheme(tmp_path, url):
    with pytest.raises(SettingError) as error:
        database_config(url, tmp_path)
    assert "DATABASE_URL" in str(error.value)
    assert repr(url.split(":")[0]) in str(error.value)


def test_it_defaults_to_sqlite_under_var(tmp_path):
    config = database_config(None, tmp_path / "var")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(config["NAME"]) == tmp_path / "var" / "gonghui.sqlite3"
    assert (tmp_path / "var").is_dir()
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_it_configures_postgres(tmp_path):
    config = database_config("postgres://gh:pw@db.example:5433/gonghui", tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"], config["USER"]) == ("gonghui", "db.example", 5433, "gh")
    assert config["CONN_HEALTH_CHECKS"] is True
    assert "OPTIONS" not in config or "init_command" not in config["OPTIONS"]


# --- settings import -----------------------------------------------------------------------------


def _import_settings(tmp_path, extra="", **env):
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GONGHUI_VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-c", "import gonghui.settings as settings\n" + extra],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_stops_production_settings_without_keys_naming_the_variable(tmp_path):
    result = _import_settings(tmp_path, GONGHUI_ENV="production")
    assert result.returncode != 0
    assert "gonghui: configuration error: SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "keys.json").exists()


def test_it_stops_production_settings_without_allowed_hosts(tmp_path):
    result = _import_settings(tmp_path, GONGHUI_ENV="production", **_good_keys())
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "env,variable",
    [
        ({"GONGHUI_ENV": "staging"}, "GONGHUI_ENV"),
        ({"DEBUG": "sometimes"}, "DEBUG"),
        ({"GONGHUI_PORT": "eighty"}, "GONGHUI_PORT"),
        ({"GONGHUI_LOGIN_FAILURE_LIMIT": "0"}, "GONGHUI_LOGIN_FAILURE_LIMIT"),
        ({"DATABASE_URL": "mysql://localhost/x"}, "DATABASE_URL"),
        ({"GONGHUI_TASK_BACKEND": "celery"}, "GONGHUI_TASK_BACKEND"),
        # django-tasks-rq is an optional extra, not installed by `make test`.
        ({"GONGHUI_TASK_BACKEND": "rq"}, "GONGHUI_TASK_BACKEND"),
        ({"GONGHUI_BEHIND_TLS_PROXY": "perhaps"}, "GONGHUI_BEHIND_TLS_PROXY"),
    ],
)
def test_it_stops_settings_on_a_bad_value_naming_the_variable(tmp_path, env, variable):
    result = _import_settings(tmp_path, **env)
    assert result.returncode != 0
    assert f"gonghui: configuration error: {variable}" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_imports_production_settings_when_everything_is_set(tmp_path):
    result = _import_settings(
        tmp_path,
        GONGHUI_ENV="production",
        ALLOWED_HOSTS="gonghui.example.cn",
        DATABASE_URL="postgres://gh@127.0.0.1:5432/gh",
        **_good_keys(),
    )
    assert result.returncode == 0, result.stderr


def test_it_keeps_the_default_sqlite_database_in_the_var_dir(tmp_path):
    result = _import_settings(
        tmp_path, extra="print(settings.DATABASES['default']['NAME'])", GONGHUI_VAR_DIR=str(tmp_path / "data")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(str(tmp_path / "data" / "gonghui.sqlite3"))


def test_it_adds_a_missing_newer_key_to_an_old_key_file(tmp_path):
    key_file = tmp_path / "keys.json"
    old = {name: value for name, value in generate_keys().items() if name != "GONGHUI_AUDIT_KEY"}
    key_file.write_text(json.dumps(old))
    keys = load_keys(False, key_file, environ={})
    assert keys["GONGHUI_FIELD_KEY"] == old["GONGHUI_FIELD_KEY"]
    assert json.loads(key_file.read_text())["GONGHUI_AUDIT_KEY"] == keys["GONGHUI_AUDIT_KEY"]


def _production_env(tmp_path, **extra) -> dict:
    import secrets

    env = {
        **os.environ,
        "GONGHUI_ENV": "production",
        "ALLOWED_HOSTS": "gonghui.example.cn",
        "GONGHUI_VAR_DIR": str(tmp_path),
        **_good_keys(),
        "SECRET_KEY": secrets.token_urlsafe(50),
        **extra,
    }
    env.pop("DATABASE_URL", None)
    env["PYTHONPATH"] = str(REPO)
    return env


def test_it_passes_check_deploy_in_production_behind_tls(tmp_path):
    """Failed before: no HSTS, no SSL redirect (issue 9, point 8)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=_production_env(tmp_path, GONGHUI_BEHIND_TLS_PROXY="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
