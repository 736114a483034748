"""Settings for Pasar Koperasi, read from the environment (12-factor).

Every setting has a safe default for the embedded run (`make run`): SQLite,
tasks in-process, local-memory cache, console e-mail, no Stripe.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

# Proxies in front of the app that append the client's address to X-Forwarded-For (nginx,
# a load balancer): 0 means none, and the client is REMOTE_ADDR whatever the headers say.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "market",
    "catalog",
    "orders",
    "payments",
    "events",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages are small but a slow link still pays per byte; Django pads against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "market.middleware.ApiErrorsAsJsonMiddleware",
    "market.middleware.RejectNulBytesMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the log-in is known: the user's saved language wins over cookie and Accept-Language.
    "market.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the lockout flag the log-in left on the request.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "market.urls"
WSGI_APPLICATION = "market.wsgi.application"
ASGI_APPLICATION = "market.asgi.application"

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
                "django.template.context_processors.i18n",
                "frontend.context_processors.header",
            ],
        },
    },
]

# Database: DATABASE_URL, or a SQLite file beside manage.py.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "market.User"

# Axes first: a locked-out account or client is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("email", "name", "phone")}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and time: Bahasa Indonesia first, English available; Jakarta time.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as people write them: "1 Desember 2026" (market/formats/id/formats.py).
FORMAT_MODULE_PATH = ["market.formats"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    # Bank-transfer proofs, RAT minutes: outside MEDIA_ROOT, no URL, answered only by their view.
    "private": {"BACKEND": "market.uploads.PrivateFileSystemStorage"},
}
# Uploads: private files, and the bounds of what one upload may cost.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private-media"))
# Behind nginx: the proof view answers `X-Accel-Redirect: <prefix><name>` for an
# `internal` location aliased to PRIVATE_MEDIA_ROOT; empty streams the file itself.
PRIVATE_MEDIA_ACCEL_REDIRECT = os.environ.get("PRIVATE_MEDIA_ACCEL_REDIRECT", "")
IMAGE_MAX_UPLOAD_BYTES = int(os.environ.get("IMAGE_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
PROOF_MAX_BYTES = int(os.environ.get("PROOF_MAX_BYTES", 5 * 1024 * 1024))
# RAT minutes (a PDF, often scanned pages); below UPLOAD_MAX_BODY_BYTES, which bounds the body.
RAT_MINUTES_MAX_BYTES = int(os.environ.get("RAT_MINUTES_MAX_BYTES", 10 * 1024 * 1024))
# Checked from the header before decoding: 16 MP covers phone cameras, bombs are refused.
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", "16000000"))
# Stored photos are scaled down to this longest side (JPEGs decoded at reduced scale).
IMAGE_MAX_SIDE = int(os.environ.get("IMAGE_MAX_SIDE", "2048"))

# Redis: unset means cache in local memory and Celery tasks in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Redis down must not hang a request: rate limits then let it through (see api_support).
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery (read by market/celery.py with the CELERY_ namespace). Business code starts
# tasks through the outbox (events/outbox.py); results are never needed.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
# A broker that is down must cost a request about a second, never more: the outbox
# row waits and is re-sent. Redis redelivers the task of a killed worker after the
# visibility timeout (the outbox's claim makes the twin harmless).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "300")),
    # A publish that cannot connect fails at once: kombu would otherwise sleep 2 s and try
    # again, whatever the connect timeout. (The worker's own reconnects are not affected.)
    "max_retries": 0,
    "socket_connect_timeout": 1,
    "socket_timeout": 3,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Beat's crontab hours below are Jakarta time (the dinas' and the cooperatives' day).
CELERY_TIMEZONE = "Asia/Jakarta"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task that fails this often (or kills its worker this often) ends as failed.
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))


def _every(seconds: float, task: str) -> dict:
    # A run left in the queue past the next one is dropped (a worker was down): the next does it.
    return {"task": task, "schedule": seconds, "options": {"expires": seconds}}


# Periodic jobs, run by exactly one `celery beat`. The order jobs fan out: one small outbox
# task per due order. Where the time of day matters, a crontab.
CELERY_BEAT_SCHEDULE = {
    "outbox-resend-due": _every(30.0, "events.tasks.outbox_resend_due_task"),
    "orders-expire-unpaid": _every(600.0, "orders.tasks.orders_expire_unpaid_task"),
    "orders-auto-deliver": _every(3600.0, "orders.tasks.orders_auto_deliver_task"),
    "orders-auto-complete": _every(3600.0, "orders.tasks.orders_auto_complete_task"),
    "tokens-delete-expired": {"task": "market.tasks.tokens_delete_expired_task",
                              "schedule": crontab(hour=3, minute=30)},
    # Staff read it with their morning coffee, instead of a message per variant running low.
    "low-stock-digest": {"task": "market.tasks.low_stock_digest_task",
                         "schedule": crontab(hour=7, minute=0)},
    # Last month's report for the dinas officers, on the 1st.
    "monthly-reports": {"task": "market.tasks.monthly_reports_task",
                        "schedule": crontab(day_of_month=1, hour=7, minute=0)},
}

# Orders and money.
ORDER_NUMBER_PREFIX = os.environ.get("ORDER_NUMBER_PREFIX", "BKY")
ORDER_PAYMENT_TIMEOUT_HOURS = int(os.environ.get("ORDER_PAYMENT_TIMEOUT_HOURS", "24"))
ORDER_AUTO_DELIVER_DAYS = int(os.environ.get("ORDER_AUTO_DELIVER_DAYS", "7"))
ORDER_RETURN_WINDOW_DAYS = int(os.environ.get("ORDER_RETURN_WINDOW_DAYS", "3"))
PLATFORM_COMMISSION_BP = int(os.environ.get("PLATFORM_COMMISSION_BP", "500"))  # 5 %
PAYMENT_METHODS = env_list("PAYMENT_METHODS", "stripe,bank_transfer,cod")

# Dinas monitoring: a cooperative is active with a sale in this many days up to today.
MONITORING_ACTIVE_DAYS = int(os.environ.get("MONITORING_ACTIVE_DAYS", "90"))

# Staff invitations: days until one expires; links in e-mails start with SITE_URL.
INVITATION_EXPIRY_DAYS = int(os.environ.get("INVITATION_EXPIRY_DAYS", "14"))
# E-mail verification: days a link mailed at sign-up (or sent again) stays valid.
EMAIL_VERIFICATION_MAX_AGE_DAYS = int(os.environ.get("EMAIL_VERIFICATION_MAX_AGE_DAYS", "3"))
# Password reset: seconds a mailed link stays valid (Django's token generator reads this);
# it also stops working once the password changes or the account logs in.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(24 * 60 * 60)))
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

# E-mail: console unless an SMTP host is configured.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Pasar Koperasi <noreply@localhost>")

# Notifications (market.notifications): e-mail through the mail backend above; the optional
# WhatsApp/SMS gateway is off unless its URL is set (JSON POST, `Authorization: Bearer`).
NOTIFY_GATEWAY_URL = os.environ.get("NOTIFY_GATEWAY_URL", "")
NOTIFY_GATEWAY_TOKEN = os.environ.get("NOTIFY_GATEWAY_TOKEN", "")
NOTIFY_GATEWAY_TIMEOUT_SECONDS = float(os.environ.get("NOTIFY_GATEWAY_TIMEOUT_SECONDS", "5"))
# Tries of one delivery (backoff 30 s, doubling) before it is marked failed for the admin.
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "6"))

# Stripe: offered only when both keys are set (payments.providers.card_payments_offered).
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# The pages' Stripe Elements need it (it is public: it only identifies the account).
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")

# Bank transfer: the account buyers pay into (payments.selectors.bank_transfer_instructions).
# The defaults are the demo's; a real market sets its own account.
BANK_TRANSFER_BANK = os.environ.get("BANK_TRANSFER_BANK", "Bank Kalbar")
BANK_TRANSFER_ACCOUNT_NUMBER = os.environ.get("BANK_TRANSFER_ACCOUNT_NUMBER", "0000000000")
BANK_TRANSFER_ACCOUNT_NAME = os.environ.get(
    "BANK_TRANSFER_ACCOUNT_NAME", "Pasar Koperasi Bengkayang"
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "market.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Fail closed: a view open to anyone says so with permission_classes = [AllowAny].
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # How many proxies in front of us append to X-Forwarded-For; 0 trusts only REMOTE_ADDR.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PARSER_CLASSES": [
        "market.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "market.api_support.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "market.schema.PasarAutoSchema",
    "EXCEPTION_HANDLER": "market.api_support.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pasar Koperasi API",
    # The guide at the top of /api/v1/docs/: authentication, money, lists, errors, limits.
    "DESCRIPTION": (BASE_DIR / "market" / "api_description.md").read_text(encoding="utf-8"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One tag per area of the market; market.schema.TAG_BY_PATH_PREFIX files each path.
    "TAGS": [
        {"name": "accounts", "description": "Sign-up, tokens (log-in, log-out), your account "
                                            "and your invitations to a cooperative's staff."},
        {"name": "regions", "description": "Provinces, regencies and districts (kecamatan)."},
        {"name": "cooperatives", "description": "Cooperatives: registration, profile, "
                                                "verification by dinas, staff, RAT meetings "
                                                "and shipping options."},
        {"name": "catalog", "description": "Categories, products, their variants and photos."},
        {"name": "cart", "description": "The buyer's cart."},
        {"name": "orders", "description": "Checkout (one order per cooperative) and each "
                                          "order's lifecycle: accept, ship, deliver, cancel, "
                                          "refund."},
        {"name": "payments", "description": "Payments, bank-transfer proofs, the Stripe "
                                            "webhook, a cooperative's ledger and payouts."},
        {"name": "monitoring", "description": "Sales and cooperative figures for dinas officers."},
        {"name": "notifications", "description": "In-app notifications of the caller."},
        {"name": "service", "description": "This schema."},
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CooperativeStatusEnum": "market.models.Cooperative.Status",
        "ProductStatusEnum": "catalog.models.Product.Status",
        "NewProductStatusEnum": ["draft", "active"],
        "CooperativeKindEnum": "market.models.Cooperative.Kind",
        "ShippingKindEnum": "orders.models.ShippingOption.Kind",
        "OrderStatusEnum": "orders.models.Order.Status",
        "NotificationKindEnum": "market.models.Notification.Kind",
        "ComponentStateEnum": ["ok", "down", "disabled"],
    },
}

# The pages' log-in (login_required sends people there; the admin has its own), and where
# a log-in without `next`, and a log-out, land.
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:home"
LOGOUT_REDIRECT_URL = "frontend:home"

# Request bounds: bigger bodies answer 413 before they are read, deeper JSON 400.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(1024 * 1024)))
UPLOAD_MAX_BODY_BYTES = int(os.environ.get("UPLOAD_MAX_BODY_BYTES", str(12 * 1024 * 1024)))
API_MAX_JSON_DEPTH = 32
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES  # form fields (files stream to disk)

# Tokens (django-rest-knox): stored hashed, sent as `Authorization: Token <key>`.
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=int(os.environ.get("TOKEN_TTL_DAYS", "30"))),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# Rate limits per client address and per account (market/throttles.py), kept in the cache
# (Redis when REDIS_URL is set). "<n>/<second|minute|hour|day>".
THROTTLE_RATES = {
    "signup.client": os.environ.get("THROTTLE_SIGNUP_CLIENT", "20/hour"),
    "token.client": os.environ.get("THROTTLE_TOKEN_CLIENT", "20/minute"),
    "checkout.user": os.environ.get("THROTTLE_CHECKOUT_USER", "20/minute"),
    "checkout.client": os.environ.get("THROTTLE_CHECKOUT_CLIENT", "120/minute"),
    "upload.user": os.environ.get("THROTTLE_UPLOAD_USER", "30/hour"),
    "upload.client": os.environ.get("THROTTLE_UPLOAD_CLIENT", "120/hour"),
    "invite.user": os.environ.get("THROTTLE_INVITE_USER", "30/hour"),
    "invite.client": os.environ.get("THROTTLE_INVITE_CLIENT", "60/hour"),
    "verify.client": os.environ.get("THROTTLE_VERIFY_CLIENT", "30/hour"),
    "verify_resend.user": os.environ.get("THROTTLE_VERIFY_RESEND_USER", "5/hour"),
    "verify_resend.client": os.environ.get("THROTTLE_VERIFY_RESEND_CLIENT", "30/hour"),
    "password_reset.client": os.environ.get("THROTTLE_PASSWORD_RESET_CLIENT", "10/hour"),
    "password_reset_confirm.client": os.environ.get(
        "THROTTLE_PASSWORD_RESET_CONFIRM_CLIENT", "30/hour"
    ),
}

# Lockout (django-axes): an account, or a client address, that failed to log in this often
# is refused for the cool-off, whatever the password (API token, pages and admin alike).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "market.throttles.client_address"
AXES_LOCKOUT_CALLABLE = "market.throttles.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"  # what the admin form and token_issue pass
AXES_USERNAME_CALLABLE = "market.throttles.login_username"

# Content-Security-Policy (django-csp): nothing from another origin, but Stripe's when on.
# (The rule of payments.providers.stripe.is_configured; settings cannot import it.)
_STRIPE_ON = bool(STRIPE_SECRET_KEY.strip() and STRIPE_WEBHOOK_SECRET.strip())
_STRIPE_JS = ["https://js.stripe.com"] if _STRIPE_ON else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", *_STRIPE_JS],
        # hooks.stripe.com: the 3-D Secure challenge frame.
        "frame-src": ["'self'", *_STRIPE_JS, *(["https://hooks.stripe.com"] if _STRIPE_ON else [])],
        "connect-src": ["'self'", *(["https://api.stripe.com"] if _STRIPE_JS else [])],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Production hardening; `manage.py check --deploy` is clean with DEBUG off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # One line per in-process task is noise; the worker logs its own tasks.
    "loggers": {"celery.app.trace": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
