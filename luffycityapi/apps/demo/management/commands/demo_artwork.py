"""`manage.py demo_artwork`: redraw the demo covers and avatars (needs Pillow and a CJK font; see demo.artwork)."""
from django.core.management.base import BaseCommand

from luffycityapi.apps.demo.artwork import generate


class Command(BaseCommand):
    requires_system_checks = []  # drawing needs no keys, database or settings checks
    help = "Redraw the demo course covers and teacher avatars into the demo app's static files."

    def handle(self, *args, **options):
        for path in generate():
            self.stdout.write(f"{path} ({path.stat().st_size} bytes)")
