"""Local development: the embedded stack by default, the sandbox gateway on."""
from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
