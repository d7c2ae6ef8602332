"""Local development (`make run`): the embedded stack by default, the sandbox gateway on."""
from .base import *  # noqa: F401,F403
from .base import env

# Off by default, as in every other environment: with DEBUG on, Django answers errors with its debug pages (the
# URL patterns, a traceback, settings), which the API contract forbids (issue #2: {errmsg, code}, no traceback ever)
# and which `make run` would show to anyone who can reach the port. `DEBUG=true make run` brings Django's debug
# pages back for the admin and the SPA; /api/ stays JSON either way (core.middleware).
DEBUG = env.bool("DEBUG", default=False)

# What DEBUG used to give whitenoise in development, kept without it: static files are found in the apps (the
# admin's) and the SPA build is re-scanned per request, so `make run` serves them even before (or without) a
# collectstatic, and a rebuilt frontend/dist shows without a restart.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
WHITENOISE_AUTOREFRESH = env.bool("WHITENOISE_AUTOREFRESH", default=True)
