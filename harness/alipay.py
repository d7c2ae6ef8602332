"""Alipay's side of a payment, for the tests and harnesses that play Alipay without a sandbox trade behind it:
the asynchronous notify Alipay sends for a paid trade (alipay-protocol.md §3), signed by the sandbox's own
signer (luffycityapi/apps/alipay_sandbox/signing.py), never by the SDK the shop verifies with."""
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings

from luffycityapi.apps.alipay_sandbox.signing import sign_params

SAMPLE_TRADE_NO = "2026112522001400000000000001"
BUYER_ID = "2088102177846880"


def notify_params(out_trade_no: str, amount, /, *, trade_no: str = SAMPLE_TRADE_NO, notify_id: str | None = None,
                  status: str = "TRADE_SUCCESS", app_id: str | None = None, gmt_create: str | None = None,
                  gmt_payment: str | None = None, subject: str = "购买课程", **extra) -> dict:
    """The unsigned fields of a page-pay trade_status_sync notify. `amount` is a Decimal or the text to send;
    `app_id` (default: ours) is also the auth_app_id; `extra` adds or overrides any field, out_trade_no too."""
    now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    amount = amount if isinstance(amount, str) else f"{Decimal(amount):.2f}"
    app_id = app_id or settings.ALIPAY_APP_ID
    params = {
        "gmt_create": now if gmt_create is None else gmt_create, "charset": "utf-8",
        "gmt_payment": now if gmt_payment is None else gmt_payment, "notify_time": now, "subject": subject,
        "buyer_id": BUYER_ID, "invoice_amount": amount, "version": "1.0",
        "notify_id": f"N{trade_no}" if notify_id is None else notify_id,
        "fund_bill_list": f'[{{"amount":"{amount}","fundChannel":"ALIPAYACCOUNT"}}]',
        "notify_type": "trade_status_sync", "out_trade_no": out_trade_no, "total_amount": amount,
        "trade_status": status, "trade_no": trade_no, "auth_app_id": app_id, "receipt_amount": amount,
        "point_amount": "0.00", "buyer_pay_amount": amount, "app_id": app_id, "seller_id": settings.SANDBOX_SELLER_ID,
    }
    params.update(extra)
    return params


def notify_body(params: dict) -> str:
    """A notify as it goes on the wire: signed with the sandbox's ("Alipay's") key, form-encoded."""
    return urlencode(sign_params(params))
