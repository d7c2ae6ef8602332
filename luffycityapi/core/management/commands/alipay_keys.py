from django.conf import settings
from django.core.management.base import BaseCommand

from luffycityapi.core.keys import write_key_pair


class Command(BaseCommand):
    help = "Create the dev key pairs (the app's and the local sandbox gateway's) if missing; print where they are."
    requires_system_checks = []  # the key check would refuse to run the command that creates the keys

    def handle(self, *args, **options):
        keys = settings.KEYS_DIR
        pairs = {
            "app (the shop signs with it)": (keys / "app_private_key.pem", keys / "app_public_key.pem"),
            "sandbox gateway (plays Alipay)": (keys / "sandbox_private_key.pem", keys / "sandbox_public_key.pem"),
        }
        for label, (private, public) in pairs.items():
            created = write_key_pair(private, public)
            self.stdout.write(f"{'created' if created else 'exists '} {label}: {private} / {public}")
        self.stdout.write(f"ALIPAY_APP_PRIVATE_KEY_FILE={settings.ALIPAY_APP_PRIVATE_KEY_FILE}")
        self.stdout.write(f"ALIPAY_PUBLIC_KEY_FILE={settings.ALIPAY_PUBLIC_KEY_FILE}")
