"""Settings, read from the environment (``CALLCENTER_`` prefix, ``__`` nesting) and ``.env``.

Built once in the composition root (``callcenter.cli``) and passed in; nothing here runs at
import time.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class AmiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "callcenter"
    secret: SecretStr = SecretStr("callcenter")
    ping_interval: float = 5.0
    action_timeout: float = 5.0


class AgiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 4573
    budget_ms: int = 200
    default_region: str = "MA"
    repeat_window_minutes: int = 30
    room_capacity: int = 60
    # The overflow loop's pacing, OVERFLOW_RETRY_WAIT in dialplans/extensions.conf: a channel
    # asking again sooner is refused (no work; the dialplan's default route stands). Never
    # more than the dialplan's value, or every paced retry is refused.
    retry_wait_seconds: float = Field(default=10.0, ge=0)
    # /readyz reports "agi": "silent" when no FastAGI session arrived for this long.
    ready_within_seconds: float = Field(default=600.0, gt=0)
    # Callers first (pipeline/priority.py), in ``callcenter agi``: its pipeline waits at most
    # this long while FastAGI answers are in progress. 0: never waits. (The room's pipeline
    # also feeds the live screens: it never waits.)
    callers_first_ms: int = Field(default=100, ge=0, le=1000)


class DatabaseSettings(BaseModel):
    # None means the embedded default: a SQLite file under ``data_dir``.
    url: str | None = None
    echo: bool = False


class RedisSettings(BaseModel):
    # None means single-process mode: no cross-process fan-out, dispatch from the outbox table.
    url: str | None = None
    dispatch_stream: str = "callcenter:dispatch"
    live_stream: str = "callcenter:live"  # the live updates log shared by every API process
    # Scale-out: the bridge's command stream, seat board and heartbeat are named from this
    # (<prefix>:commands, <prefix>:seats, <prefix>:bridge).
    bridge_prefix: str = "callcenter"
    # How long an API-only process waits for the bridge to perform a command (longer than
    # ``ami.action_timeout``, so the PBX's own timeout is the one reported).
    command_timeout_seconds: float = Field(default=8.0, gt=0)
    login_prefix: str = "callcenter:login"  # failed-login counters shared by every API process


class DispatchSettings(BaseModel):
    """The radio dispatch hand-off (outbox relay, consoles, escalation, qualification)."""

    # a ticket nobody acknowledged by then is escalated
    escalate_after_seconds: float = Field(default=120.0, gt=0)
    escalation_check_seconds: float = Field(default=5.0, gt=0)
    # fallback poll of the outbox (a commit in this process wakes the relay at once)
    relay_poll_seconds: float = Field(default=1.0, gt=0)
    relay_retry_seconds: float = Field(default=1.0, gt=0)  # wait after Redis refused a publish
    relay_batch: int = Field(default=100, gt=0)
    consumer_group: str = "consoles"
    # The consumer name every API process reads the dispatch stream as: their dispatchers share
    # one view of the tickets, whichever process delivered them (see StreamDispatchDesk.shared).
    api_console: str = "api"
    # a console silent this long loses its tickets to another (XAUTOCLAIM)
    claim_idle_seconds: float = Field(default=30.0, gt=0)
    published_marker_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    stream_maxlen: int = Field(default=100_000, gt=0)  # approximate trim of the dispatch stream
    redis_timeout_seconds: float = Field(default=2.0, gt=0)
    region: str = "MA"  # for national callback numbers
    incident_types: list[str] = Field(
        default_factory=lambda: [
            "road_accident",
            "assault",
            "theft",
            "domestic_violence",
            "fire",
            "medical",
            "disturbance",
            "other",
        ]
    )


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    jwt_secret: SecretStr = SecretStr("change-me")  # refused outside demo mode
    # Publish queue statistics on the live feed every N seconds (None: not in this process).
    stats_interval: float | None = 5.0
    # GET /metrics: this bearer token (for Prometheus) or a supervisor/admin JWT. Unset in demo
    # mode: /metrics is open.
    metrics_token: SecretStr | None = None
    # Failed logins: after N in the window (per user name, per client address) /auth/token
    # answers 429 with Retry-After until the oldest failure leaves the window. 0: no limit.
    login_failures_per_user: int = Field(default=5, ge=0)
    login_failures_per_address: int = Field(default=30, ge=0)
    login_window_seconds: int = Field(default=300, gt=0)
    # Larger request bodies are refused with 413, larger header blocks with 431.
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    max_header_bytes: int = Field(default=8 * 1024, gt=0)
    # The built web app (index.html + assets/); None: the package's own callcenter/webapp/.
    web_dir: Path | None = None
    # Reverse proxies (addresses or networks) whose X-Forwarded-For / X-Forwarded-Proto are
    # believed. None by default: a client's own address is its address, whatever it claims.
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"api.trusted_proxies: {proxy!r} is not an IP address or network"
                ) from exc
        return proxies

    @field_validator("metrics_token")
    @classmethod
    def _long_enough(cls, token: SecretStr | None) -> SecretStr | None:
        # /metrics does not throttle wrong tokens: a short one could be guessed
        if token is not None and len(token.get_secret_value()) < 16:
            raise ValueError("api.metrics_token must be at least 16 characters")
        return token


class RoomSettings(BaseModel):
    """What the room's screens need to know of the room (``GET /room/config``)."""

    time_zone: str = "Africa/Casablanca"  # times are shown in it
    pause_reasons: list[str] = Field(
        default_factory=lambda: ["break", "training", "meeting", "technical"], min_length=1
    )
    # Asterisk's queues.conf ``wrapuptime`` (asterisk/queues.conf: 5); None: not known here.
    wrapup_seconds: int | None = Field(default=5, ge=0)
    sla_answer_seconds: int = Field(default=15, gt=0)  # the answer target on the wallboard
    # How long after the caller hung up the seat that answered may still qualify and hand
    # off the call (the caller reported a fire and hung up: a unit must still be sent).
    handoff_after_hangup_seconds: int = Field(default=300, ge=0)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"room.time_zone: unknown time zone {name!r}") from exc
        return name


class CallbackSettings(BaseModel):
    """Call-backs of callers the room did not hear out (``domain/callbacks.py``)."""

    # an answered call the caller hung up within this many seconds, unqualified, is silent
    silent_seconds: int = Field(default=5, ge=0)
    # attempts that reached nobody (busy, no answer) before a task is given up
    max_attempts: int = Field(default=3, ge=1)
    # the dialplan's call-back context (dialplans/extensions.conf [callbacks])
    context: str = "callbacks"
    # how long the seat's phone rings for a call-back (Originate Timeout)
    ring_seconds: int = Field(default=30, gt=0)


class Threshold(BaseModel):
    """A wallboard tile's colours: amber from ``warn``, red from ``alarm``. When ``alarm`` is
    below ``warn`` lower is worse (e.g. % answered within 15 s)."""

    warn: float
    alarm: float


def _default_thresholds() -> dict[str, Threshold]:
    return {
        "calls_waiting": Threshold(warn=5, alarm=15),
        "longest_wait_seconds": Threshold(warn=15, alarm=60),
        "overflowing": Threshold(warn=1, alarm=5),
        "answered_within_15": Threshold(warn=92, alarm=90),
        "average_speed_of_answer": Threshold(warn=10, alarm=15),
        "abandon_rate": Threshold(warn=5, alarm=10),
        "occupancy": Threshold(warn=85, alarm=95),
    }


class WallboardSettings(BaseModel):
    """The supervisor's wallboard: tile colours, the SLA target and the burn-rate alert.

    ``CALLCENTER_WALLBOARD__THRESHOLDS`` (JSON) replaces the tiles' colour thresholds;
    ``TARGET_RATIO`` is the share to answer within ``room.sla_answer_seconds`` (0.9);
    ``BURN_HORIZON_SECONDS``: how far ahead the burn-rate alert looks;
    ``RING_ALERT_SECONDS``: a seat ringing this long without answer is an alert.
    """

    thresholds: dict[str, Threshold] = Field(default_factory=_default_thresholds)
    target_ratio: float = Field(default=0.9, gt=0, le=1)
    burn_horizon_seconds: float = Field(default=300, gt=0, le=3600)
    ring_alert_seconds: float = Field(default=15, gt=0)
    seat_poll_seconds: float = Field(default=0.1, gt=0, le=5)


class SeatPhone(BaseModel):
    """A seat's SIP account on the PBX (asterisk/pjsip.conf), given to that seat's operator."""

    model_config = ConfigDict(hide_input_in_errors=True)  # a refused value may be a password

    user: str = Field(min_length=1, max_length=80)  # the SIP user / authorization name
    password: SecretStr  # never logged, never shown to another seat


class PhoneSettings(BaseModel):
    """The seats' phones: ``sip`` (the browser registers over WebRTC as the seat) or ``demo``
    (the simulator's manual seat, driven through the API; ``callcenter demo`` forces it)."""

    model_config = ConfigDict(hide_input_in_errors=True)  # errors never echo a password

    mode: Literal["demo", "sip"] = "sip"
    ws_url: str | None = None  # e.g. wss://pbx.example:8089/ws
    domain: str | None = None  # e.g. pbx.example: the seats' URIs are sip:<user>@<domain>
    seats: dict[str, SeatPhone] = Field(default_factory=dict)  # by seat name ("Seat 03")

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if self.mode == "sip" and self.seats and not (self.ws_url and self.domain):
            raise ValueError("phone: seats in sip mode need phone.ws_url and phone.domain")
        return self


class SimSettings(BaseModel):
    """The PBX simulator as ``callcenter demo`` runs it (its AMI port is ``ami.port``)."""

    control_port: int | None = Field(default=None, ge=0, le=65535)  # None: ``ami.port`` + 1


class PbxLogSettings(BaseModel):
    """Reconciliation with Asterisk's own records (queue_log, CEL): what the bridge did not
    see while it was down is rebuilt from them (``callcenter/pbxlog/``, issue 15)."""

    # auto: the tables queue_log and cel on PostgreSQL; on SQLite the queue_log file if
    # ``queue_log_file`` is set, else nothing. database / file: that one; off: never.
    source: Literal["auto", "database", "file", "off"] = "auto"
    # Asterisk's queue_log file (logger.conf queue_log_to_file), e.g. /var/log/asterisk/queue_log
    queue_log_file: Path | None = None
    period_seconds: float = Field(default=60.0, gt=0)  # while the AMI is connected
    margin_seconds: float = Field(default=60.0, ge=0)  # read from the last-seen event minus this
    # a call that ended less than this long ago is left to the AMI stream (its end may still
    # be on its way) until the next run
    settle_seconds: float = Field(default=10.0, ge=0)
    lookback_hours: float = Field(default=12.0, gt=0)  # how far back a call's rows are read
    read_timeout_seconds: float = Field(default=20.0, gt=0)
    # How a queue_log callid names the call when no CEL row says it (the file): "channel" (a
    # trunk channel runs Queue(): callid = Linkedid), "local" (a Local channel's ;2 leg does:
    # the Linkedid is its ;1), "auto" (learnt from the calls callcenter knows).
    caller_leg: Literal["auto", "channel", "local"] = "auto"
    # the trunk's dialplan context (pjsip.conf [trunk] context): a call CEL shows starting
    # there is a line-19 call even without a queue_log row (hung up before the queue)
    inbound_context: str = "from-pstn"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CALLCENTER_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        # Settings hold secrets (JWT, AMI, database URL, the seats' SIP passwords): a refused
        # value is never echoed in the error, which is printed at start and may be logged.
        hide_input_in_errors=True,
    )

    data_dir: Path = Path("data")
    demo: bool = False
    ami: AmiSettings = Field(default_factory=AmiSettings)
    agi: AgiSettings = Field(default_factory=AgiSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    dispatch: DispatchSettings = Field(default_factory=DispatchSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    room: RoomSettings = Field(default_factory=RoomSettings)
    callbacks: CallbackSettings = Field(default_factory=CallbackSettings)
    phone: PhoneSettings = Field(default_factory=PhoneSettings)
    wallboard: WallboardSettings = Field(default_factory=WallboardSettings)
    sim: SimSettings = Field(default_factory=SimSettings)
    pbx_log: PbxLogSettings = Field(default_factory=PbxLogSettings)

    def database_url(self) -> str:
        """The async SQLAlchemy URL: the configured one, or the embedded SQLite file."""
        if self.database.url:
            return normalise_database_url(self.database.url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'callcenter.db').resolve()}"


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings and return the async driver's URL."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url
