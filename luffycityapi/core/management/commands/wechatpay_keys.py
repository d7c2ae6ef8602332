import secrets
import string

from django.conf import settings
from django.core.management.base import BaseCommand

from luffycityapi.core.keys import write_key_pair, write_secret


class Command(BaseCommand):
    help = ("Create the WeChat Pay dev secrets if missing: the merchant API key pair (PKCS#8, as apiclient_key.pem), "
            "the local sandbox's key pair (it plays WeChat Pay; its public key is the shop's WeChat Pay public key) "
            "and the APIv3 key; print where they are.")
    requires_system_checks = []  # the key check would refuse to run the command that creates the keys

    def handle(self, *args, **options):
        pairs = {
            "merchant API key (the shop signs with it)": (settings.WECHATPAY_PRIVATE_KEY_FILE,
                                                          settings.WECHATPAY_SANDBOX_MERCHANT_PUBLIC_KEY_FILE),
            "sandbox WeChat Pay key (plays WeChat Pay)": (settings.WECHATPAY_SANDBOX_PRIVATE_KEY_FILE,
                                                         settings.WECHATPAY_PUBLIC_KEY_FILE),
        }
        for label, (private, public) in pairs.items():
            created = write_key_pair(private, public, pkcs8=True)
            self.stdout.write(f"{'created' if created else 'exists '} {label}: {private} / {public}")
        alphabet = string.ascii_letters + string.digits
        created = write_secret(settings.WECHATPAY_APIV3_KEY_FILE, "".join(secrets.choice(alphabet) for _ in range(32)))
        self.stdout.write(f"{'created' if created else 'exists '} APIv3 key: {settings.WECHATPAY_APIV3_KEY_FILE}")
        self.stdout.write(f"WECHATPAY_MCHID={settings.WECHATPAY_MCHID} WECHATPAY_APPID={settings.WECHATPAY_APPID}")
        self.stdout.write(f"WECHATPAY_CERT_SERIAL_NO={settings.WECHATPAY_CERT_SERIAL_NO} "
                          f"WECHATPAY_PUBLIC_KEY_ID={settings.WECHATPAY_PUBLIC_KEY_ID}")
