"""The shop's DRF throttle, shared by every app that rate-limits a view by scope, counted atomically in the
default cache's Redis (django-redis's raw client, the connection the cart and the order numbers use)."""
from django_redis import get_redis_connection
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


# One round trip: count this request, and give the counter the window's lifetime when this request opened it.
_COUNT = """local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n"""


class AtomicScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle (its scopes, rate strings and client identity, NUM_PROXIES included) with the count
    kept by one atomic INCR. DRF's SimpleRateThrottle reads the request history, decides, and writes it back:
    requests arriving together all read the same history, and 58 of 60 simultaneous wrong logins got past a
    20/min limit. Here every request increments a counter in Redis, and the request that creates it gives it the
    window's lifetime, in one Lua script (one round trip, atomic): however many arrive at once, exactly the first
    N counts are at most the limit. The window is fixed from its first request, not sliding; its end is the
    counter's own expiry (Retry-After). The counter lives in the default cache's Redis under the cache's key
    prefix, as django-redis would store it.

    Rates are read from the settings at call time: DRF binds THROTTLE_RATES when it is imported, so a changed
    REST_FRAMEWORK setting never reached it."""

    _count_script = None  # redis-py's Script (EVALSHA, loading the script again if Redis lost it)

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
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.key = self.cache.make_key(key)
        redis = get_redis_connection("default")
        if AtomicScopedRateThrottle._count_script is None:
            AtomicScopedRateThrottle._count_script = redis.register_script(_COUNT)
        count = self._count_script(keys=[self.key], args=[int(self.duration * 1000)], client=redis)
        return count <= self.num_requests

    def wait(self):
        """Seconds until the current window ends (DRF's Throttled turns it into Retry-After)."""
        left_ms = get_redis_connection("default").pttl(self.key)
        return max(1.0, left_ms / 1000 if left_ms > 0 else float(self.duration))


# The name every app imports (users' login/register, payments' query polling): all of them count atomically.
ScopedThrottle = AtomicScopedRateThrottle
