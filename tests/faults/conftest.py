"""Fault tests: the live shop with its sandbox gateway (the payments fixtures), real processes, real servers."""
import pytest
from payments.conftest import coupon_log, place_order, post_notify, shop_env, student  # noqa: F401  (fixtures)

from harness.stack import free_port


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused, like a gateway that is down."""
    return free_port()


@pytest.fixture
def coupon_log_for(db):
    """Grant a user a 满100减20 coupon; returns its CouponLog."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from luffycityapi.apps.coupon.models import Coupon
    from luffycityapi.apps.coupon.services import coupon_grant

    def grant(user):
        now = timezone.now()
        coupon = Coupon.objects.create(name="满100减20", amount=Decimal("20.00"), condition=Decimal("100.00"),
                                       start_time=now - timedelta(days=1), end_time=now + timedelta(days=1))
        return coupon_grant(coupon_id=coupon.id, user_id=user.id)

    return grant
