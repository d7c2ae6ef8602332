"""The gateway's own cryptography (never wechatpayv3's, so the shop's use of the library is really tested):
verifying the merchant's Authorization header, signing every answer and notify with the sandbox's WeChat Pay key,
and AES-256-GCM encrypting notify resources with the merchant's APIv3 key (shared/docs/wechatpay-protocol.md §3-5).
Tests sign the notifies they send through `signed_notify` here, so this module imports nothing from the shop."""
import base64
import json
import re
import secrets
import string
import time
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

SCHEME = "WECHATPAY2-SHA256-RSA2048"
SKEW_SECONDS = 300
_PAIR = re.compile(r'\s*([a-z_]+)="([^"]*)"\s*')


@lru_cache(maxsize=8)
def _private_key(path: str, mtime: float):
    return serialization.load_pem_private_key(Path(path).read_bytes(), password=None)


@lru_cache(maxsize=8)
def _public_key(path: str, mtime: float):
    return serialization.load_pem_public_key(Path(path).read_bytes())


def platform_key(path: str | None = None):
    path = path or settings.WECHATPAY_SANDBOX_PRIVATE_KEY_FILE
    return _private_key(str(path), Path(path).stat().st_mtime)


def merchant_public_key():
    path = settings.WECHATPAY_SANDBOX_MERCHANT_PUBLIC_KEY_FILE
    return _public_key(str(path), Path(path).stat().st_mtime)


def apiv3_key() -> bytes:
    return Path(settings.WECHATPAY_APIV3_KEY_FILE).read_bytes().strip()


def public_key_id() -> str:
    return settings.WECHATPAY_PUBLIC_KEY_ID


def nonce_str(length: int = 32) -> str:
    return secrets.token_hex(length // 2).upper()


def sign(message: bytes, key=None) -> str:
    """SHA256withRSA (PKCS#1 v1.5), standard base64 on one line."""
    key = key or platform_key()
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def corrupt(signature: str) -> str:
    """A signature that no longer verifies (one character changed), same length and alphabet."""
    head = signature[:10]
    return head + ("A" if signature[10] != "A" else "B") + signature[11:]


def parse_authorization(header: str) -> dict | None:
    """`WECHATPAY2-SHA256-RSA2048 k="v",...` in any order → dict; None when the scheme or the shape is wrong."""
    scheme, _, rest = (header or "").partition(" ")
    if scheme != SCHEME:
        return None
    pairs = {}
    for part in rest.split(","):
        match = _PAIR.fullmatch(part)
        if not match or match.group(1) in pairs:
            return None
        pairs[match.group(1)] = match.group(2)
    return pairs


def verify_authorization(method: str, path_qs: str, body: bytes, header: str, *, now: float) -> str:
    """"" when the merchant's Authorization holds, else the SIGN_ERROR message: mchid and serial_no known, the
    signature over METHOD\\nPATH?QUERY\\nTS\\nNONCE\\nRAWBODY\\n verified, the timestamp within ±5 minutes."""
    pairs = parse_authorization(header)
    if pairs is None:
        return "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》"
    missing = [k for k in ("mchid", "nonce_str", "signature", "timestamp", "serial_no") if not pairs.get(k)]
    if missing:
        return f"Http头Authorization缺少{missing[0]}"
    if pairs["mchid"] != settings.WECHATPAY_MCHID:
        return "商户号不存在或未开通API v3"
    if pairs["serial_no"].upper() != settings.WECHATPAY_CERT_SERIAL_NO.upper():
        return "商户证书序列号有误。请使用签名私钥匹配的证书序列号"
    try:
        stamp = int(pairs["timestamp"])
    except ValueError:
        return "Http头Authorization中的timestamp格式错误"
    if abs(now - stamp) > SKEW_SECONDS:
        return "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟"
    message = f"{method}\n{path_qs}\n{pairs['timestamp']}\n{pairs['nonce_str']}\n".encode() + body + b"\n"
    try:
        merchant_public_key().verify(base64.b64decode(pairs["signature"], validate=True), message,
                                     padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return "错误的签名，验签失败"
    return ""


def signed_headers(body: bytes, *, timestamp: int | None = None, key=None, tamper: str = "") -> dict:
    """The Wechatpay-* headers of an answer or a notify: signature over timestamp\\nnonce\\nbody\\n. `tamper`:
    "signature" (does not verify), "no_signature_type" (the header wechatpayv3 requires is missing)."""
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce_str()
    signature = sign(f"{stamp}\n{nonce}\n".encode() + body + b"\n", key)
    headers = {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
               "Wechatpay-Signature": corrupt(signature) if tamper == "signature" else signature,
               "Wechatpay-Serial": public_key_id(), "Wechatpay-Signature-Type": SCHEME,
               "Request-ID": secrets.token_hex(16)}
    if tamper == "no_signature_type":
        del headers["Wechatpay-Signature-Type"]
    return headers


def encrypt_resource(plain: dict, original_type: str, *, key: bytes | None = None) -> dict:
    """AEAD_AES_256_GCM with the APIv3 key, a 12-character nonce and associated_data = original_type; the
    ciphertext is base64(ciphertext ‖ 16-byte tag)."""
    nonce = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))
    data = json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode()
    cipher = AESGCM(key or apiv3_key()).encrypt(nonce.encode(), data, original_type.encode())
    return {"original_type": original_type, "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(cipher).decode(), "associated_data": original_type, "nonce": nonce}


def notify_body(notify_id: str, event_type: str, plain: dict, *, create_time: str, apiv3: bytes | None = None) -> bytes:
    """The JSON body of a notify (§5.1)."""
    original_type = "refund" if event_type.startswith("REFUND.") else "transaction"
    summary = {"TRANSACTION.SUCCESS": "支付成功", "REFUND.SUCCESS": "退款成功"}.get(event_type, "通知")
    envelope = {"id": notify_id, "create_time": create_time, "resource_type": "encrypt-resource",
                "event_type": event_type, "summary": summary,
                "resource": encrypt_resource(plain, original_type, key=apiv3)}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def signed_notify(notify_id: str, event_type: str, plain: dict, *, create_time: str, timestamp: int | None = None,
                  key=None, apiv3: bytes | None = None, tamper: str = "") -> tuple[bytes, dict]:
    """(body, headers) of one notify attempt, freshly signed (tests pass another key/APIv3 key/timestamp)."""
    body = notify_body(notify_id, event_type, plain, create_time=create_time, apiv3=apiv3)
    return body, {**signed_headers(body, timestamp=timestamp, key=key, tamper=tamper),
                  "Content-Type": "application/json"}
