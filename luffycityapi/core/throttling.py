"""The shop's DRF throttle, shared by every app that rate-limits a view by scope."""
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class ScopedThrottle(ScopedRateThrottle):
    """DRF's scoped throttle with its rates read from the settings at call time: DRF binds THROTTLE_RATES when it
    is imported, so a changed REST_FRAMEWORK setting never reached it."""

    @property
    def THROTTLE_RATES(self):  # noqa: N802 - DRF's attribute name
        return api_settings.DEFAULT_THROTTLE_RATES
