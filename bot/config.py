"""Settings from the environment (prefix ``CADREBOT_``) and an optional ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ConfigError(Exception):
    """A wrong setting: the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CADREBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    db_path: Path = Path("data/cadrebot.sqlite3")
    # postgresql://… selects the PostgreSQL backend (issue #14); unset, the SQLite file above is the
    # database. db_path's folder still holds the audit key and the PostgreSQL chain's anchor.
    db_url: str | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    locale: Literal["zh", "en"] = "zh"
    # How often PTB's conversation state is flushed; drafts themselves are written at every step.
    persistence_interval_s: float = Field(default=1.0, gt=0, le=60)
    draft_reminder_minutes: int = Field(default=120, ge=1)
    max_text_chars: int = Field(default=3000, ge=100, le=20000)
    max_attachment_mb: int = Field(default=20, ge=1, le=50)
    max_kb_file_mb: int = Field(default=5, ge=1, le=20)
    rate_limit_per_minute: int = Field(default=30, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    # Time limits in working days, and the calendar of weekends, holidays and make-up working days.
    accept_working_days: float = Field(default=1, gt=0, le=60)
    decide_working_days: float = Field(default=15, gt=0, le=120)
    holidays_file: Path | None = None
    # Every displayed time and every day boundary (reports, exports, search dates, history).
    timezone: str = "Asia/Shanghai"
    lookback_share: float = Field(default=0.1, gt=0, le=1)
    # The public digest names a unit only with at least this many decisions in the period.
    digest_min_unit_decisions: int = Field(default=3, ge=1, le=1000)
    # The audit chain's key lives outside the database (default: audit.key beside it).
    audit_key_file: Path | None = None
    # How long a write waits for another process's write lock before the user is asked to retry.
    db_busy_seconds: float = Field(default=10.0, gt=0, le=120)
    # The supervisors' web desk: host:port to listen on (unset: `cadrebot run` serves no desk).
    web_listen: str | None = None
    web_session_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("telegram_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("db_url", mode="before")
    @classmethod
    def _postgres_url(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str):
            from urllib.parse import urlsplit

            try:
                scheme = urlsplit(value.strip()).scheme
            except ValueError as exc:
                raise ValueError(f"not a database URL ({exc})") from None
            if scheme not in ("postgresql", "postgres"):
                raise ValueError("expected postgresql://user:password@host/database (unset: the SQLite file)")
            return value.strip()
        return value

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        from bot.clock import zone

        zone(value)
        return value

    @field_validator("holidays_file")
    @classmethod
    def _calendar_loads(cls, value: Path | None) -> Path | None:
        if value is not None:
            from bot.filing.workdays import WorkCalendar

            try:
                WorkCalendar.from_yaml(value)
            except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
                raise ValueError(f"cannot use this calendar: {exc}") from None
        return value

    @property
    def token(self) -> str | None:
        return self.telegram_token.get_secret_value() if self.telegram_token else None


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value raises ConfigError with one line naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        raise ConfigError(f"CADREBOT_{field.upper()}: {error['msg']}") from None
