from django.core.management.base import BaseCommand, CommandError

from luffycityapi.apps.payments.audit import run_audit


class Command(BaseCommand):
    help = "Check the money invariants; exits non-zero on any violation."

    def handle(self, *args, **options):
        results = run_audit()
        total = 0
        for name, violations in results.items():
            total += len(violations)
            self.stdout.write(f"{'ok  ' if not violations else 'FAIL'} {name}: {len(violations)} violation(s)")
            for line in violations[:50]:
                self.stdout.write(f"     - {line}")
        self.stdout.write(f"audit: {len(results)} checks, {total} violations")
        if total:
            raise CommandError(f"{total} money invariant violation(s)")
