"""Ways to pay: base.py is the protocol the payment service uses, registry.py maps Order.pay_type to a provider,
and each other module is one provider, the only code that knows its gateway."""
