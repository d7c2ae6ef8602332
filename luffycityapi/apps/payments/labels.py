"""Human labels for the codes payment records keep (PaymentEvent.verdict and .outcome, gateway answer codes), for
the admin: support reads "交易不存在（买家未打开支付页）", and the code stays beside it to search and report on."""
import re

from .providers.registry import pay_types, provider_for

# Our own outcomes and verdicts (payments.inbound / outbound / events / fulfilment) and providers.base's words;
# each provider adds its own wire codes (its `code_labels`), read through the registry.
LABELS = {
    # outcomes
    "pending": "处理中",
    "ok": "成功",
    "fulfilled": "已确认支付并发放课程",
    "duplicate": "重复消息（此前已处理）",
    "late_payment": "关闭后到账（自动退款）",
    "amount_mismatch": "金额与订单不符（已隔离）",
    "rejected": "已拒绝",
    "quarantined": "已隔离待处理",
    "order_not_payable": "订单不可支付",
    "closed": "交易已关闭",
    "not_exist": "交易不存在（买家未打开支付页）",
    "already_paid": "已支付，不能关闭",
    "True": "是",
    "False": "否",
    # verdicts
    "bad_signature": "签名无效",
    "wrong_app_id": "app_id 不符",
    "wrong_seller_id": "收款账号不符",
    "unknown_order": "订单不存在",
    "not_owner": "不是该用户的订单",
    "malformed": "消息格式无效",
    # our error codes recorded as "error: <code>"
    "gateway_timeout": "支付网关超时",
    "gateway_unreachable": "无法连接支付网关",
    "gateway_http_error": "支付网关 HTTP 错误",
    "gateway_bad_signature": "支付网关应答签名无效",
    "gateway_bad_response": "支付网关应答格式无效",
    "gateway_rejected": "支付网关拒绝请求",
    "gateway_error": "支付网关返回错误",
    "payment_config_invalid": "支付配置有误",
    "database": "数据库错误",
    "refund notification": "退款通知",
}

ORDER_STATUS = {"0": "未支付", "1": "已支付", "2": "已取消", "3": "已超时", "4": "已退款"}


def label(code) -> str:
    """A code's label, or the code itself when it has none; compound codes ("error: gateway_timeout",
    "rejected: quarantined", "order_status=1") are labelled part by part."""
    text = "" if code is None else str(code).strip()
    if not text:
        return "-"
    if text in LABELS:
        return LABELS[text]
    for pay_type in pay_types():
        provider_labels = getattr(provider_for(pay_type), "code_labels", {})
        if text in provider_labels:
            return provider_labels[text]
    match = re.fullmatch(r"order_status=(\d+)", text)
    if match:
        return f"订单状态：{ORDER_STATUS.get(match.group(1), match.group(1))}"
    head, sep, rest = text.partition(":")
    prefixes = {"error": "出错", "rejected": "已拒绝", "ignored": "已忽略"}
    if sep and head.strip() in prefixes:
        prefix = prefixes[head.strip()]
        return f"{prefix}：{label(rest)}"
    return text


def labelled(code) -> str:
    """"label · code" (just the code when it has no label): what admin lists show."""
    text = "" if code is None else str(code).strip()
    shown = label(text)
    return shown if shown in (text, "-") else f"{shown} · {text}"
