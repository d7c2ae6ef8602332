"""The gateway's clock, ids, formats and config row: small helpers every other module uses."""
import secrets
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import SandboxConfig

# Alipay speaks Beijing time in every timestamp it emits or accepts.
BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def get_config() -> SandboxConfig:
    """The switches row, created with Alipay-like defaults on first use."""
    config, _ = SandboxConfig.objects.get_or_create(pk=1)
    return config


def sandbox_now(config: SandboxConfig | None = None):
    """The gateway's business clock: real time, shifted or frozen by __sim__ (notify retries use real time)."""
    config = config or get_config()
    if config.frozen_at:
        return config.frozen_at
    return timezone.now() + timedelta(seconds=config.clock_offset_seconds)


def fmt_time(value) -> str:
    """Alipay's `yyyy-MM-dd HH:mm:ss` in Beijing time, or "" for None."""
    return value.astimezone(BEIJING).strftime(TIME_FORMAT) if value else ""


def fmt_amount(value) -> str:
    """Amounts leave Alipay as strings with exactly two decimals."""
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def _serial(config: SandboxConfig | None, digits: int) -> str:
    if config is not None and config.deterministic_ids:
        with transaction.atomic():
            SandboxConfig.objects.filter(pk=config.pk).update(id_counter=F("id_counter") + 1)
            number = SandboxConfig.objects.values_list("id_counter", flat=True).get(pk=config.pk)
        return f"{number:0{digits}d}"
    return f"{secrets.randbelow(10 ** digits):0{digits}d}"


def new_trade_no(config: SandboxConfig) -> str:
    """28 digits like Alipay's: yyyyMMdd + 22001 + 15 digits."""
    return sandbox_now(config).astimezone(BEIJING).strftime("%Y%m%d") + "22001" + _serial(config, 15)


def new_notify_id(config: SandboxConfig) -> str:
    """34 characters like Alipay's: yyyyMMdd + 00222 + 21 digits."""
    return sandbox_now(config).astimezone(BEIJING).strftime("%Y%m%d") + "00222" + _serial(config, 21)


def new_token() -> str:
    """The unguessable cashier token (the cashier URL is the only thing a browser holds)."""
    return secrets.token_hex(16)


def seller_id() -> str:
    """The registered app's merchant PID."""
    return settings.SANDBOX_SELLER_ID


def seller_email() -> str:
    """The merchant account's login (appears in some notifies)."""
    return getattr(settings, "SANDBOX_SELLER_EMAIL", "luffycity-merchant@sandbox.com")


def buyer() -> tuple[str, str]:
    """The one sandbox buyer: (buyer_id, masked buyer_logon_id)."""
    return (getattr(settings, "SANDBOX_BUYER_ID", "2088102179843724"),
            getattr(settings, "SANDBOX_BUYER_LOGON_ID", "sbx***@sandbox.com"))


def merchant_name() -> str:
    """What the cashier shows as the merchant."""
    return getattr(settings, "SANDBOX_MERCHANT_NAME", "路飞学城")


def app_sign_type() -> str:
    """The registered app's signing algorithm; the gateway signs everything it sends with it."""
    return getattr(settings, "ALIPAY_SIGN_TYPE", "RSA2")
