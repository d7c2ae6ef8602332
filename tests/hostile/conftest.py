"""Hostile-input tests reuse the payment tests' helpers: real RSA2 signatures, orders placed over HTTP."""
from payments.conftest import place_order, post_notify, shop_env, student  # noqa: F401  (fixtures)
