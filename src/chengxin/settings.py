"""One settings object for the whole platform (environment prefix CHENGXIN_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; safe defaults run out of the box on SQLite."""

    model_config = SettingsConfigDict(env_prefix="CHENGXIN_", extra="ignore")

    data_dir: Path = Field(Path("./var"), description="数据目录")
    database_url: str | None = Field(
        None, description="数据库地址；缺省为数据目录下的 SQLite 文件"
    )
    # Secrets: base64 of 32 random bytes each. Unset means "read the key file in data_dir".
    encryption_key: str | None = Field(None, description="AES-GCM 加密密钥（base64）")
    hash_secret: str | None = Field(None, description="主体键 HMAC 密钥（base64）")
    key_file: Path | None = Field(None, description="密钥文件；缺省为 data_dir/keys.json")

    host: str = "127.0.0.1"
    port: int = 8000

    max_batch_rows: int = Field(10_000, description="一次 JSON 报送的最大记录数")
    max_upload_bytes: int = Field(512 * 1024 * 1024, description="上传文件大小上限（字节）")
    max_batch_check: int = Field(100_000, description="一次批量核查的最大号码数")
    jobs_interval_seconds: float = Field(60.0, description="serve 内置定时任务的间隔（秒）；0 为不运行")
    import_chunk_rows: int = Field(5_000, description="导入时每个事务处理的行数")
    sql_echo: bool = False

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chengxin.db').resolve()}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "keys.json"


@lru_cache
def get_settings() -> Settings:
    return Settings()
