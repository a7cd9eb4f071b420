"""Settings read from the environment (prefix REKAP_), injected where they are used."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, field_validator
from pydantic.networks import IPvAnyNetwork
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.domain.accepted import MIN_OCR_CONFIDENCE
from app.secret_key import resolve_signing_secret

# The caps the page reader puts on unsure fields (ocr: a sum that forced a change 0.75, a fallback
# registration 0.7, boxes and bubbles that disagree 0.6, ...): the line must stay above them all.
OCR_CAPS_MAX = 0.75


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
    # Unset: generated once and kept in data_dir (app/secret_key.py). Read it through
    # signing_secret(), never directly: that is where unsafe keys are refused.
    secret_key: str | None = Field(default=None, repr=False)
    access_token_minutes: int = 60
    public_read: bool = True
    # README "Security": X-Forwarded-For is believed only from these peers (IPs or CIDRs,
    # comma-separated); the console cookie is Secure when this is set (behind TLS).
    trusted_proxies: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = ()
    cookie_secure: bool = False
    # Access and audit (README "Access and audit"): limits use the `limits` notation of slowapi.
    rate_limit_storage: str = "memory://"
    rate_limit_write: str = "120/minute"
    rate_limit_signin: str = "10/minute"
    signin_failure_delay: float = Field(default=0.5, ge=0, le=10)
    max_request_bytes: int = 1024 * 1024
    # POST /tps/{tps}/results answered by its short path (app/api/lean_intake.py); false sends
    # every post through the FastAPI route (same answers, more CPU).
    lean_intake: bool = True
    # Posts a process works on at once on that path (worker threads); more wait their turn on
    # the event loop. A few keep the CPU on the posts in hand instead of dozens of threads
    # contending for it (README "Results, rechecks and discrepancies").
    intake_threads: int = Field(default=4, ge=1, le=256)
    # Seconds a SQLite writer waits for the write lock before the request gets 503 (README
    # "Access and audit"): shorter than a phone's own timeout, so it sees 503 + Retry-After.
    sqlite_busy_timeout: float = Field(default=10.0, gt=0, le=300)
    max_upload_bytes: int = 15 * 1024 * 1024
    run_embedded_worker: bool = True
    # The recheck queue (README "Intake and recheck"): how often an idle drainer looks for work,
    # how many units it takes at once, and how long a taken batch is its own (then another
    # drainer may take it: a drainer killed mid-batch loses nothing).
    recheck_poll: float = Field(default=0.2, gt=0, le=60)
    recheck_batch: int = Field(default=200, ge=1, le=10_000)
    recheck_lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    # Photo intake and reading (issue 4; README "Photos and review").
    max_image_pixels: int = 60_000_000  # a 48 MP phone photo fits; a decompression bomb does not
    phash_max_distance: int = 12  # of 256 dHash bits: a re-encoded or resized copy, not a new photo
    ocr_engine: str = "ocr"  # ocr | fake | fake-slow (tests)
    # The one acceptance line of photo readings: at or above it a value may be accepted (the
    # accepted-value rule), below it the field goes to review (LOW_CONFIDENCE), and the page
    # reader calls a page `read` only when every field is at or above it.
    ocr_min_confidence: float = Field(default=MIN_OCR_CONFIDENCE, gt=OCR_CAPS_MAX, le=1.0)
    ocr_lease_seconds: int = 300
    ocr_max_attempts: int = 3
    ocr_requeue_after_seconds: int = 600  # a queued job not started by then lost its enqueue
    ocr_fake_seconds: float = 3.0  # how long the fake-slow reader takes (tests)
    demo_seed: int = 20241127
    # The audit chainer (README "Audit trail"): how often `rekap worker` links the outbox into the
    # chain, how many entries a transaction, and how old an unchained entry may get before
    # `rekap audit verify` fails.
    audit_chain_poll: float = Field(default=0.5, gt=0, le=60)
    audit_chain_batch: int = Field(default=1000, ge=1, le=10_000)
    audit_outbox_max_age: float = Field(default=300.0, gt=0)
    _signing_secret: str | None = PrivateAttr(default=None)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        """REKAP_TRUSTED_PROXIES is a comma-separated list, e.g. `10.0.0.0/8,127.0.0.1`."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    def signing_secret(self) -> str:
        """The key that signs access tokens (resolved once; ConfigurationError when unsafe)."""
        if self._signing_secret is None:
            self._signing_secret = resolve_signing_secret(self.secret_key, self.data_dir)
        return self._signing_secret


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
