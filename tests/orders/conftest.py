from .checkout_support import coupon_for, grant, make_coupon, two_orders  # noqa: F401  (fixtures)
