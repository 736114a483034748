"""The project's settings as the tests run them: the same module, with DEBUG's
defaults (no HTTPS redirect) and a fast password hasher."""

import os

os.environ.setdefault("DEBUG", "1")

from market.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", "/tmp/pasar-test-media"))  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks in-process unless a test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = True
# Tests that need a limit lower it themselves.
THROTTLE_RATES = dict.fromkeys(THROTTLE_RATES, "10000/minute")  # noqa: F405
