from .checkout_support import coupon_for, grant, make_coupon  # noqa: F401  (fixtures)
