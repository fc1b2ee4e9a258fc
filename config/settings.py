"""zhijiao settings: every value comes from the environment (documented in .env.example)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# With DEBUG on, Django's own (English) debug pages for 404 and 500 only when asked for: the demo
# runs with DEBUG=1 and shows the platform's Chinese error pages (core.middleware).
DEBUG_ERROR_PAGES = env_bool("DJANGO_DEBUG_PAGES", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

VAR_DIR = Path(env("ZHIJIAO_VAR_DIR", str(BASE_DIR / "var")))
SHARED_DATA_DIR = Path(env("ZHIJIAO_SHARED_DATA_DIR", str(BASE_DIR.parent / "shared" / "data")))
# The issued documents whose wording the platform reads (the 2021 work plan): ../shared/seed/.
SHARED_SEED_DIR = Path(env("ZHIJIAO_SHARED_SEED_DIR", str(BASE_DIR.parent / "shared" / "seed")))

# DJANGO_SECRET_KEY, else the key `make demo` generated once in var/secret_key; a fixed insecure key
# only with DEBUG on. Production sets DJANGO_SECRET_KEY.
_secret_file = VAR_DIR / "secret_key"
SECRET_KEY = (
    env("DJANGO_SECRET_KEY")
    or (_secret_file.read_text().strip() if _secret_file.is_file() else "")
    or ("insecure-dev-key-change-me" if DEBUG else "")
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "zhijiao.core",
    "zhijiao.accounts",
    "zhijiao.orgs",
    "zhijiao.majors",
    "zhijiao.enterprises",
    "zhijiao.workplan",
    "zhijiao.students",
    "zhijiao.credentials",
    "zhijiao.workflows",
    "zhijiao.internships",
    "zhijiao.reporting",
    "zhijiao.programmes",
    "zhijiao.competitions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhijiao.core.middleware.FriendlyErrorPagesMiddleware",
    "zhijiao.core.middleware.RequestIdMiddleware",
    "zhijiao.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhijiao.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zhijiao.accounts.middleware.IdleTimeoutMiddleware",
    "zhijiao.accounts.middleware.RequireOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhijiao.core.middleware_scope.OutOfScopeMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhijiao.core.context_processors.navigation",
            ],
        },
    },
]

# SQLite is the embedded default; PostgreSQL (production, CI) via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'zhijiao.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    # SQLite builds the audit log's covering indexes without their INCLUDE columns, which only serve
    # PostgreSQL's index-only reads at province scale (core.AuditEntry, issue 16).
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
# Abuse counters (sign-in failures, public lookups, CAPTCHA answers): Redis when REDIS_URL is set,
# else this process's memory ("memory" forces that; config.checks warns in a served mode).
RATELIMIT_BACKEND = env("RATELIMIT_BACKEND", "")
RATELIMIT_PREFIX = env("RATELIMIT_PREFIX", "zj:rl:")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# 等保 2.0 level-3 habits: long passwords with several character classes.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "email")},
    },
    # Django's 20,000 common passwords plus Chinese ones, their variants (P@ssw0rd2024), keyboard
    # walks (1qaz@WSX3edc) and the platform's name (Zhijiao@2021).
    {"NAME": "zhijiao.accounts.validators.CommonPasswordPolicyValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "zhijiao.accounts.validators.CharacterClassValidator"},
]
# Failed sign-ins, counted in sliding windows in Redis (zhijiao.accounts.services, core.ratelimit):
# LOGIN_MAX_FAILURES for one account from one address within LOGIN_LOCKOUT_MINUTES block that pair;
# LOGIN_ADDRESS_MAX_FAILURES from one address within LOGIN_ADDRESS_WINDOW_MINUTES block the address;
# from LOGIN_CAPTCHA_AFTER failures of an account or an address on, a sign-in needs the image CAPTCHA.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30)
LOGIN_ADDRESS_MAX_FAILURES = env_int("LOGIN_ADDRESS_MAX_FAILURES", 20)
LOGIN_ADDRESS_WINDOW_MINUTES = env_int("LOGIN_ADDRESS_WINDOW_MINUTES", 15)
LOGIN_CAPTCHA_AFTER = env_int("LOGIN_CAPTCHA_AFTER", 3)
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
# How stale the session's time of last request may grow before a request writes it again (seconds).
SESSION_LAST_SEEN_SECONDS = env_int("SESSION_LAST_SEEN_SECONDS", 60)
# API tokens (zhijiao.accounts.models.ApiToken): the longest validity, how many a user may hold, and
# the validity given to tokens carried over from before tokens expired (migration accounts.0003).
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
API_TOKENS_PER_USER = env_int("API_TOKENS_PER_USER", 10)
API_TOKEN_MIGRATED_DAYS = env_int("API_TOKEN_MIGRATED_DAYS", 90)
# Check-in audit entries are written per process in batches of this many, or when the oldest is this
# many seconds old (zhijiao.core.audit.AuditBuffer; a killed process loses at most that second).
AUDIT_BUFFER_BATCH = env_int("AUDIT_BUFFER_BATCH", 100)
AUDIT_BUFFER_MAX_AGE = float(env("AUDIT_BUFFER_MAX_AGE", "1.0"))
# TOTP is mandatory for province administrators; OTP_REQUIRED_ROLES lists the role values.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", "province_admin")
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "职教管理平台")
OTP_TOTP_THROTTLE_FACTOR = env_int("OTP_TOTP_THROTTLE_FACTOR", 1)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 60 * 60 * 12
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Dates as 2026-12-05 and times as 2026-12-05 14:03 in every language (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files (core.files): local disk by default (the demo, one server); an S3-compatible bucket
# (MinIO, any S3 API) when FILES_S3_BUCKET is set, through django-storages. See docs/deploy.md.
FILES_S3_BUCKET = env("FILES_S3_BUCKET")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if FILES_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": FILES_S3_BUCKET,
            "endpoint_url": env("FILES_S3_ENDPOINT_URL") or None,  # e.g. http://minio:9000
            "access_key": env("FILES_S3_ACCESS_KEY") or None,
            "secret_key": env("FILES_S3_SECRET_KEY") or None,
            "region_name": env("FILES_S3_REGION") or None,
            "location": env("FILES_S3_PREFIX"),
            # Private files: served through the app's scoped views as short-lived signed URLs or
            # streamed, never public (default ACL none, signed URLs 5 minutes).
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            "addressing_style": env("FILES_S3_ADDRESSING_STYLE", "path"),  # MinIO wants path-style
        },
    }
# A virus scanner every upload passes (core.files): a dotted path, e.g. zhijiao.core.files.clamd_scan;
# empty: none. FILES_CLAMD_ADDRESS is clamd's host:port or Unix socket.
FILES_VIRUS_SCANNER = env("FILES_VIRUS_SCANNER")
FILES_CLAMD_ADDRESS = env("FILES_CLAMD_ADDRESS", "127.0.0.1:3310")
WHITENOISE_USE_FINDERS = DEBUG

# Uploads: a hard cap on what an import may be (bytes); Django's own memory limits stay small.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
# Files with more rows than this are imported by a background job with progress.
IMPORT_SYNC_MAX_ROWS = env_int("IMPORT_SYNC_MAX_ROWS", 2_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
EXPORT_MAX_ROWS = env_int("EXPORT_MAX_ROWS", 200_000)
# What an uploaded file may hold once unpacked, checked before anything parses it (zhijiao.core.uploads;
# sizes in bytes, cells in characters, images in pixels, PDF pages in points).
UPLOAD_UNCOMPRESSED_MAX_BYTES = env_int("UPLOAD_UNCOMPRESSED_MAX_BYTES", 384 * 1024 * 1024)
UPLOAD_PART_MAX_BYTES = env_int("UPLOAD_PART_MAX_BYTES", 256 * 1024 * 1024)
UPLOAD_ZIP_MAX_PARTS = env_int("UPLOAD_ZIP_MAX_PARTS", 1000)
UPLOAD_CELL_MAX_CHARS = env_int("UPLOAD_CELL_MAX_CHARS", 32767)
UPLOAD_MAX_COLUMNS = env_int("UPLOAD_MAX_COLUMNS", 256)
UPLOAD_SHARED_STRINGS_MAX = env_int("UPLOAD_SHARED_STRINGS_MAX", 4_000_000)
UPLOAD_CSV_LINE_MAX_BYTES = env_int("UPLOAD_CSV_LINE_MAX_BYTES", 1024 * 1024)
UPLOAD_PDF_MAX_PAGES = env_int("UPLOAD_PDF_MAX_PAGES", 500)
UPLOAD_PDF_MAX_PAGE_POINTS = env_int("UPLOAD_PDF_MAX_PAGE_POINTS", 14400)
UPLOAD_IMAGE_MAX_PIXELS = env_int("UPLOAD_IMAGE_MAX_PIXELS", 50_000_000)
# Lists at province scale (zhijiao.core.listing): a list counts exactly up to this many rows and
# shows the planner's estimate ("约 N 条") above it; page numbers reach this many rows deep, past
# that pages follow a cursor (keyset); an exact count the user asks for stops after this long.
LIST_EXACT_COUNT_MAX = env_int("LIST_EXACT_COUNT_MAX", 10_000)
LIST_MAX_OFFSET = env_int("LIST_MAX_OFFSET", 10_000)
LIST_EXACT_COUNT_TIMEOUT_MS = env_int("LIST_EXACT_COUNT_TIMEOUT_MS", 10_000)
# The platform holds one province: every region lies under its root, so a grant at the root covers
# every row that cannot lack a region and needs no condition (zhijiao.core.scoping). Off: the root's
# rows are selected by their region path like any other region's.
SCOPE_ONE_PROVINCE = env_bool("SCOPE_ONE_PROVINCE", True)
# Exports up to this many rows are answered at once; larger ones run as a background job with
# progress, their files kept this many hours under MEDIA_ROOT/exports/.
EXPORT_SYNC_MAX_ROWS = env_int("EXPORT_SYNC_MAX_ROWS", 2_000)
EXPORT_FILE_HOURS = env_int("EXPORT_FILE_HOURS", 48)

AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180)

# Credentials (certificates, signed QR, public verification) — shared/domain/credentials.md.
# Private signing keys live in files here (0600), never in the database or the repository.
CREDENTIALS_KEY_DIR = Path(env("CREDENTIALS_KEY_DIR", str(VAR_DIR / "keys")))
CREDENTIALS_ISSUER = env("CREDENTIALS_ISSUER", "CN-37-EDU")
# The public address printed in certificates' verification QR codes. Required in production (a system
# check fails without it); in debug mode (make demo) the address the demo is served on, from PORT.
CREDENTIALS_VERIFY_BASE_URL = env("CREDENTIALS_VERIFY_BASE_URL") or (
    f"http://127.0.0.1:{env('PORT', '8000')}" if DEBUG else ""
)
# 中职 certificate numbers: a provincial pattern (Shandong's own format is unknown — students.md §7.1).
CREDENTIALS_PROVINCIAL_PATTERN = env("CREDENTIALS_PROVINCIAL_PATTERN", "{province}{school}{yy}{serial:05d}")
CREDENTIALS_PROVINCIAL_SCHOOL_DIGITS = env_int("CREDENTIALS_PROVINCIAL_SCHOOL_DIGITS", 5)
# 学校标识码 → 5-digit 国标代码 where the code's last five digits are not the national code.
CREDENTIALS_NATIONAL_SCHOOL_CODES: dict[str, str] = {}
CREDENTIALS_LOOKUP_LIMIT = env_int("CREDENTIALS_LOOKUP_LIMIT", 30)
CREDENTIALS_LOOKUP_WINDOW = env_int("CREDENTIALS_LOOKUP_WINDOW", 60)
CREDENTIALS_CHALLENGE_AFTER = env_int("CREDENTIALS_CHALLENGE_AFTER", 1)
CREDENTIALS_MISS_WINDOW = env_int("CREDENTIALS_MISS_WINDOW", 900)
# Public lookups are logged in batches per worker (zhijiao.credentials.verification.LookupLogBuffer):
# a batch is written at this many rows or when its oldest row is this many seconds old; 1 = at once.
CREDENTIALS_LOOKUP_LOG_BATCH = env_int("CREDENTIALS_LOOKUP_LOG_BATCH", 50)
CREDENTIALS_LOOKUP_LOG_MAX_AGE = float(env("CREDENTIALS_LOOKUP_LOG_MAX_AGE", "1.0"))
# The daily internship sweep: connections it splits the placements over (0 = the CPUs, at most 4)
# and the PostgreSQL work_mem of its transactions (zhijiao.internships.sweep, docs/deploy.md §7a).
INTERNSHIP_SWEEP_SLICES = env_int("INTERNSHIP_SWEEP_SLICES", 0)
INTERNSHIP_SWEEP_WORK_MEM = env("INTERNSHIP_SWEEP_WORK_MEM", "64MB")
CREDENTIALS_TRUST_X_FORWARDED_FOR = env_bool("CREDENTIALS_TRUST_X_FORWARDED_FOR", False)
CREDENTIALS_REPORT_MIN_DAYS = env_int("CREDENTIALS_REPORT_MIN_DAYS", 7)
CREDENTIALS_REPORT_MAX_DAYS = env_int("CREDENTIALS_REPORT_MAX_DAYS", 180)
CREDENTIALS_PRINT_SYNC_MAX = env_int("CREDENTIALS_PRINT_SYNC_MAX", 60)
CREDENTIALS_PRINT_CHUNK = env_int("CREDENTIALS_PRINT_CHUNK", 100)
# Background jobs (core.jobs) run on Celery workers (config/celery.py); the core.Job row is what
# users see. A job is tried JOBS_MAX_ATTEMPTS times; a RUNNING job whose heartbeat is older than
# JOBS_STALE_SECONDS shows as interrupted and is sent to a worker again (core.resume_interrupted_jobs).
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 3)
JOBS_STALE_SECONDS = env_int("JOBS_STALE_SECONDS", 60)
# A QUEUED job no worker has started for this long is sent again (its message was lost).
JOBS_RESEND_SECONDS = env_int("JOBS_RESEND_SECONDS", 600)

# Celery: Redis as broker when CELERY_BROKER_URL or REDIS_URL says so (production, CI); otherwise
# kombu's filesystem transport under var/celery/ — the embedded broker of `make demo`, no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or REDIS_URL or "filesystem://localhost/"
_celery_dir = VAR_DIR / "celery"  # the embedded broker's folders and beat's schedule state
try:
    for _sub in ("queue", "control"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
except OSError:  # a read-only var/: a served install gives beat --schedule elsewhere (docs/deploy.md)
    pass
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "control_folder": str(_celery_dir / "control"),
    }
else:
    # Redis redelivers a message its worker never acknowledged after this many seconds; the
    # job row's claim makes a second delivery of a still-running job a no-op.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
# No result backend: the job row holds progress, result and errors.
CELERY_TASK_IGNORE_RESULT = True
# Acknowledge after the task ran, and put a message back when its worker process dies (killed,
# out of memory): the job is run again, and the job row's checkpoints keep it from writing twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(_celery_dir / "beat-schedule")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "zhijiao.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "zhijiao.core.api.pagination.ScaledPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "zhijiao.core.api.schema.EnvelopeAutoSchema",
    "EXCEPTION_HANDLER": "zhijiao.core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "2000/min", "checkin": "120/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "职教管理平台 API",
    "DESCRIPTION": "zhijiao REST API (v1). Token or session authentication; every list is scoped to the caller's organisation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RegionLevelEnum": "zhijiao.orgs.choices.RegionLevel",
        "MajorLevelEnum": "zhijiao.majors.choices.MajorLevel",
        "InstitutionStatusEnum": "zhijiao.orgs.choices.InstitutionStatus",
        "OfferingStatusEnum": "zhijiao.majors.choices.OfferingStatus",
        "JobStatusEnum": "zhijiao.core.models.JobStatus",
        "GradeEnum": "zhijiao.students.choices.Grade",
        "EnrolmentStatusEnum": "zhijiao.students.choices.EnrolmentStatus",
        "BatchStatusEnum": "zhijiao.students.choices.BatchStatus",
        "ChangeKindEnum": "zhijiao.students.choices.ChangeKind",
        "GraduationStatusEnum": "zhijiao.students.models.Graduation.Status",
        "GraduationOutcomeEnum": "zhijiao.students.choices.GraduationOutcome",
        "ApprovalStatusEnum": "zhijiao.workflows.choices.RequestStatus",
        "ApprovalEventKindEnum": "zhijiao.workflows.choices.EventKind",
        "InternshipKindEnum": "zhijiao.internships.choices.InternshipKind",
        "CheckInKindEnum": "zhijiao.internships.choices.CheckInKind",
        "ReportKindEnum": "zhijiao.internships.choices.ReportKind",
        "MentorKindEnum": "zhijiao.internships.choices.MentorKind",
        "PayMethodEnum": "zhijiao.internships.choices.PayMethod",
        "DirectReportCategoryEnum": "zhijiao.internships.choices.DirectReportCategory",
        "PlacementStatusEnum": "zhijiao.internships.choices.PlacementStatus",
    },
}

# A filter's empty choice reads 全部 (every list's selects, like the yes/no filters of core.filters).
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("All")

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
DJANGO_TABLES2_PAGE_RANGE = 8

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "zhijiao.core.middleware.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "zhijiao@localhost")
# Notifications (core.notifications): SMS through a backend class; the demo's only logs.
NOTIFICATIONS_SMS_BACKEND = env("NOTIFICATIONS_SMS_BACKEND", "zhijiao.core.notifications.LoggingSmsBackend")
NOTIFICATIONS_SMS_URL = env("NOTIFICATIONS_SMS_URL")
NOTIFICATIONS_SMS_TOKEN = env("NOTIFICATIONS_SMS_TOKEN")
NOTIFICATIONS_SMS_SIGN = env("NOTIFICATIONS_SMS_SIGN")

ADMIN_ENABLED = env_bool("DJANGO_ADMIN_ENABLED", False)
