"""Settings read from the environment (prefix REKAP_), injected where they are used."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-in-production"


class Settings(BaseSettings):
    """Every setting of the service; see README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="REKAP_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/rekap.db"
    data_dir: Path = Path("var")
    queue_url: str = "sqlite:///var/queue.db"
    storage_url: str = "file://var/photos"
    s3_endpoint_url: str | None = None
    log_format: str = Field(default="console", pattern="^(console|json)$")
    log_level: str = "INFO"
    # The default is for development only (create_app logs a warning while it is in use);
    # HS256 wants at least 32 bytes.
    secret_key: str = DEV_SECRET_KEY
    access_token_minutes: int = 60
    public_read: bool = True
    # Access and audit (README "Access and audit"): limits use the `limits` notation of slowapi.
    rate_limit_storage: str = "memory://"
    rate_limit_write: str = "120/minute"
    rate_limit_signin: str = "10/minute"
    signin_failure_delay: float = Field(default=0.5, ge=0, le=10)
    max_request_bytes: int = 1024 * 1024
    max_upload_bytes: int = 15 * 1024 * 1024
    run_embedded_worker: bool = True
    # Photo intake and reading (issue 4; README "Photos and review").
    max_image_pixels: int = 60_000_000  # a 48 MP phone photo fits; a decompression bomb does not
    phash_max_distance: int = 12  # of 256 dHash bits: a re-encoded or resized copy, not a new photo
    ocr_engine: str = "ocr"  # ocr | fake | fake-slow (tests)
    ocr_min_confidence: float = 0.8
    ocr_lease_seconds: int = 300
    ocr_max_attempts: int = 3
    ocr_requeue_after_seconds: int = 600  # a queued job not started by then lost its enqueue
    ocr_fake_seconds: float = 3.0  # how long the fake-slow reader takes (tests)
    demo_seed: int = 20241127


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
