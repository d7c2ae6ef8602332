"""The shop's DRF throttle, shared by every app that rate-limits a view by scope, counted atomically in Redis
(through Django's cache, whichever Redis backend it is)."""
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class AtomicScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle (its scopes, rate strings and client identity, NUM_PROXIES included) with the count
    kept by one atomic INCR. DRF's SimpleRateThrottle reads the request history, decides, and writes it back:
    requests arriving together all read the same history, and 58 of 60 simultaneous wrong logins got past a
    20/min limit. Here the first request of a window creates the counter with the window's lifetime (SET NX +
    expiry, i.e. cache.add) and every request increments it (INCR): however many arrive at once, exactly the
    first N counts are at most the limit. The window is fixed from its first request, not sliding.

    Rates are read from the settings at call time: DRF binds THROTTLE_RATES when it is imported, so a changed
    REST_FRAMEWORK setting never reached it."""

    @property
    def THROTTLE_RATES(self):  # noqa: N802 - DRF's attribute name
        return api_settings.DEFAULT_THROTTLE_RATES

    def allow_request(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        for _ in range(2):  # a second round only if the window ended between add and incr
            if self.cache.add(self.key, 1, timeout=self.duration):  # this request opens a window
                self.cache.set(f"{self.key}:since", self.now, timeout=self.duration)
                return True
            try:
                return self.cache.incr(self.key) <= self.num_requests
            except ValueError:  # the counter expired in between: try to open the next window
                continue
        return True  # the counter keeps vanishing (Redis evicting it): fail open rather than refuse every login

    def wait(self):
        """Seconds until the current window ends (DRF's Throttled turns it into Retry-After)."""
        since = self.cache.get(f"{self.key}:since", self.now)
        return max(1.0, since + self.duration - self.now)


# The name every app imports (users' login/register, payments' query polling): all of them count atomically.
ScopedThrottle = AtomicScopedRateThrottle
