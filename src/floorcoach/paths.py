"""Where floorcoach keeps its files, and the small user config.

The database path is chosen once, in this order: `--db PATH`, the `FLOORCOACH_DB`
environment variable, then the per-user data folder from platformdirs.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "floorcoach"
DB_ENV_VAR = "FLOORCOACH_DB"
CONFIG_ENV_VAR = "FLOORCOACH_CONFIG_DIR"
DB_FILENAME = "floorcoach.db"


def data_dir() -> Path:
    import platformdirs

    return platformdirs.user_data_path(APP_NAME)


def config_dir() -> Path:
    """The config folder; `FLOORCOACH_CONFIG_DIR` overrides it (tests, shared set-ups)."""
    override = os.environ.get(CONFIG_ENV_VAR)
    if override:
        return Path(override)
    import platformdirs

    return platformdirs.user_config_path(APP_NAME)


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    if cli_value:
        return Path(cli_value).expanduser()
    env_value = os.environ.get(DB_ENV_VAR)
    if env_value:
        return Path(env_value).expanduser()
    return data_dir() / DB_FILENAME


def user_catalogue_dir() -> Path:
    """Users drop their own catalogue files here; they load after the shipped one."""
    return config_dir() / "behaviours"


class ConfigError(ValueError):
    """The config file exists but cannot be used; the message names file and field."""


@dataclass(frozen=True)
class Config:
    supervisor: str


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "supervisor"


def load_config() -> Config:
    """Read `config.toml` (the supervisor's name); `FLOORCOACH_SUPERVISOR` wins, then the OS user."""
    path = config_dir() / "config.toml"
    supervisor = None
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        value = data.get("supervisor")
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"{path}: field 'supervisor' must be a non-empty text")
        supervisor = value.strip() if value else None
    supervisor = os.environ.get("FLOORCOACH_SUPERVISOR") or supervisor or _os_user()
    return Config(supervisor=supervisor)
