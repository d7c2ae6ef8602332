"""What `make bench` and `make soak` share: the production stack on this machine (stack.py), the shops they seed
(seed.py) and Alipay's side of a payment, signed by the sandbox's own signer (alipay.py; the tests use it too)."""
