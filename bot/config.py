"""Settings, read from the environment and ``.env`` (python-dotenv, via pydantic-settings).

Built once in ``bot.__main__`` and passed down; nothing reads settings at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def _split_ids(value: object) -> object:
    """Accept ``"1,2, 3"`` as well as a JSON-style list."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.replace(";", ",").split(",")]
        return [part for part in parts if part]
    return value


def _in_memory_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database that lives only as long as the process."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # not a URL at all: create_engine names that problem
        return False
    if not parsed.drivername.startswith("sqlite"):
        return False
    database = (parsed.database or "").strip()
    return (
        database in ("", ":memory:")
        or database.startswith("file::memory:")
        or parsed.query.get("mode") == "memory"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    discord_token: SecretStr | None = None
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default: a SQLite file in DATA_DIR.",
    )
    data_dir: Path = Path("var")
    dev_guild_id: int | None = Field(default=None, gt=0)
    owner_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[list[int] | None, NoDecode] = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    log_level: str = "INFO"
    search_timeout: float = Field(default=180.0, gt=0, le=840)
    message_content_intent: bool = False
    """Ask for the privileged Message Content intent (needed for typed quiz answers)."""
    quiz_reveal_pause: float = Field(default=4.0, ge=0, le=60)
    quiz_games_per_member: int = Field(default=3, ge=1, le=100)
    """Quizzes one member may have running at once in one server."""
    quiz_guesses_per_question: int = Field(default=5, ge=1, le=1000)
    """Typed guesses a member may make per question; the rest are ignored (one 🐢)."""
    report_threshold: int = Field(
        default=3,
        ge=1,
        le=1000,
        description="Distinct members whose reports withhold a question until resolved.",
    )

    @field_validator("owner_ids", "shard_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("database_url", "discord_api_base", "discord_gateway_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _persistent_database(cls, value: str | None) -> str | None:
        if value is not None and _in_memory_sqlite(value):
            raise ValueError(
                "an in-memory SQLite database loses every score at restart; "
                "give a file path (sqlite+aiosqlite:///path/to/file.sqlite3) or leave it unset"
            )
        return value

    @model_validator(mode="after")
    def _shards(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT")
            repeated = sorted({i for i in self.shard_ids if self.shard_ids.count(i) > 1})
            if repeated:
                raise ValueError(f"SHARD_IDS lists {repeated} more than once")
            bad = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if bad:
                raise ValueError(f"SHARD_IDS {bad} are outside 0..{self.shard_count - 1}")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'defector-bot.sqlite3').resolve()}"
