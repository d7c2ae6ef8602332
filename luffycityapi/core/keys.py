"""RSA key files for Alipay and WeChat Pay: generating dev key pairs and checking that configured keys load."""
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def write_key_pair(private_path: Path, public_path: Path, *, pkcs8: bool = False) -> bool:
    """Create an RSA-2048 pair (PKCS#1 private PEM, or PKCS#8 as WeChat Pay's apiclient_key.pem is;
    SubjectPublicKeyInfo public PEM) unless the private key exists; returns whether a new pair was written. The
    private file is readable by its owner only."""
    private_path, public_path = Path(private_path), Path(public_path)
    if private_path.exists():
        if not public_path.exists():
            key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
            public_path.write_bytes(_public_pem(key))
        return False
    private_path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_format = serialization.PrivateFormat.PKCS8 if pkcs8 else serialization.PrivateFormat.TraditionalOpenSSL
    pem = key.private_bytes(serialization.Encoding.PEM, private_format, serialization.NoEncryption())
    _write_private(private_path, pem)
    public_path.write_bytes(_public_pem(key))
    return True


def write_secret(path: Path, text: str) -> bool:
    """Write a secret (e.g. an APIv3 key) readable by its owner only, unless the file exists."""
    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(path, text.encode())
    return True


def _write_private(private_path: Path, pem: bytes) -> None:
    tmp = private_path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_bytes(pem)
    tmp.replace(private_path)


def _public_pem(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


class KeyFileError(Exception):
    pass


def read_private_key_pem(path) -> str:
    """The PEM text of a private key file, after checking that it loads (PKCS#1 or PKCS#8)."""
    return _read(path, serialization.load_pem_private_key, "private", password=None)


def read_public_key_pem(path) -> str:
    return _read(path, serialization.load_pem_public_key, "public")


def _read(path, loader, kind, **kwargs) -> str:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read the {kind} key file {path}: {exc.strerror}. "
                           f"Run `python manage.py alipay_keys` for dev keys.") from exc
    try:
        loader(data, **kwargs)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path} is not a PEM {kind} key (PKCS#1/PKCS#8 with BEGIN/END lines, 64-char "
                           f"lines): {exc}") from exc
    return data.decode()
