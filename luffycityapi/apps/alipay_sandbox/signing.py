"""The gateway's own RSA signing (never python-alipay-sdk's, so the shop's use of the SDK is really tested).

RSA2 = PKCS#1 v1.5 with SHA-256, RSA = PKCS#1 v1.5 with SHA-1; signatures are standard base64 without line breaks.
This is the one Alipay-side signer of the project: the tests, `make bench` and `make soak` sign the notifies
they send through `sign_params` here (harness/alipay.py), so it must keep importing nothing from the shop.
"""
import base64
import binascii
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings

SIGN_TYPES = {"RSA2": hashes.SHA256, "RSA": hashes.SHA1}


def request_sign_content(params: dict) -> str:
    """Alipay's string-to-verify for a request: all params but `sign`, empty values dropped, sorted, raw values."""
    return _join({k: v for k, v in params.items() if k != "sign"})


def notify_sign_content(params: dict) -> str:
    """The string Alipay signs for a return/notify: all params but `sign` and `sign_type`, empties dropped, sorted."""
    return _join({k: v for k, v in params.items() if k not in ("sign", "sign_type")})


def _join(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k and v not in (None, ""))


def sign(content: str, sign_type: str, charset: str = "utf-8", key=None) -> str:
    """Sign `content` with the sandbox's ("Alipay's") private key, or with `key` (a test's wrong key)."""
    if key is None:
        key = _private_key(str(settings.SANDBOX_PRIVATE_KEY_FILE), _mtime(settings.SANDBOX_PRIVATE_KEY_FILE))
    raw = key.sign(content.encode(charset), padding.PKCS1v15(), SIGN_TYPES[sign_type]())
    return base64.b64encode(raw).decode("ascii")


def sign_params(params: dict, sign_type: str = "RSA2", charset: str = "utf-8", key=None) -> dict:
    """`params` signed as Alipay signs a return or notify: a copy with `sign_type` and `sign` set."""
    values = {**params, "sign_type": sign_type}
    return {**values, "sign": sign(notify_sign_content(values), sign_type, charset, key)}


def verify_app_signature(content: str, signature: str, sign_type: str, charset: str = "utf-8") -> bool:
    """Check a request signature against the registered app's public key."""
    key = _public_key(str(settings.SANDBOX_APP_PUBLIC_KEY_FILE), _mtime(settings.SANDBOX_APP_PUBLIC_KEY_FILE))
    try:
        raw = base64.b64decode(signature, validate=False)
        key.verify(raw, content.encode(charset), padding.PKCS1v15(), SIGN_TYPES[sign_type]())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def public_key_pem() -> str:
    """The sandbox's public key (what the shop configures as the Alipay public key), as PEM text."""
    key = _private_key(str(settings.SANDBOX_PRIVATE_KEY_FILE), _mtime(settings.SANDBOX_PRIVATE_KEY_FILE))
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def corrupt(signature: str) -> str:
    """A well-formed signature that no longer verifies (for tamper/fault injection)."""
    raw = bytearray(base64.b64decode(signature))
    raw[len(raw) // 2] ^= 0xFF
    return base64.b64encode(bytes(raw)).decode("ascii")


def _mtime(path) -> float:
    # The cache key includes the mtime so that regenerated dev keys are picked up without a restart.
    return Path(path).stat().st_mtime


@lru_cache(maxsize=4)
def _private_key(path: str, mtime: float):
    return serialization.load_pem_private_key(Path(path).read_bytes(), password=None)


@lru_cache(maxsize=4)
def _public_key(path: str, mtime: float):
    return serialization.load_pem_public_key(Path(path).read_bytes())
