"""The test suite: same stacks as dev/prod (never mocked), fast password hashing, generous throttles."""
from .base import *  # noqa: F401,F403
from .base import EMBEDDED_REDIS, REDIS_URL, celery_broker_url, env, redis_cache

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Like Django's test_ database, tests get their own Redis database number so they never touch a shop's data.
REDIS_TEST_DB = env.int("REDIS_TEST_DB", default=15)


def _with_db(url: str, db: int) -> str:
    if url.startswith("unix://"):
        return url.split("?", 1)[0] + f"?db={db}"
    head, _, _ = url.rpartition("/") if url.count("/") > 2 else (url, "", "")
    return f"{head}/{db}"


REDIS_URL = _with_db(REDIS_URL, REDIS_TEST_DB)
CACHES = {"default": redis_cache(REDIS_URL)}
CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_REDBEAT_REDIS_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"login": "10000/min", "register": "10000/min", "payment_query": "10000/min"}
# django-axes stays on (tests/users/test_login_lockout.py lowers the limit), but no unrelated test's wrong logins
# (schemathesis, the throttle tests) lock anyone out.
AXES_FAILURE_LIMIT = 10000

# TEST_RUN_NAME lets two suites run at once on one machine (e.g. two developers): each gets its own test
# database and should also set its own REDIS_TEST_DB.
_run = env("TEST_RUN_NAME", default="")
if "sqlite" in DATABASES["default"]["ENGINE"]:  # noqa: F405
    # A file, not :memory:, so live-server threads and helper processes see the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_db{_run}.sqlite3")}  # noqa: F405
elif _run:
    DATABASES["default"]["TEST"]["NAME"] = f"test_{DATABASES['default']['NAME']}{_run}"  # noqa: F405
