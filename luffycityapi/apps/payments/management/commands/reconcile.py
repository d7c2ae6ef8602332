from django.core.management.base import BaseCommand

from luffycityapi.apps.payments.reconcile import reconcile_all, reconcile_recent, reconcile_unpaid


class Command(BaseCommand):
    help = ("Ask the provider about unpaid orders with an old pay link and every payment of the last day; repair drift "
            "through the payment services and store mismatches (admin: 对账差异).")

    def add_arguments(self, parser):
        parser.add_argument("--unpaid-only", action="store_true", help="only the unpaid orders (the minutely job)")
        parser.add_argument("--recent-only", action="store_true", help="only the last day's orders (the daily job)")

    def handle(self, *args, unpaid_only=False, recent_only=False, **options):
        run = reconcile_unpaid if unpaid_only else reconcile_recent if recent_only else reconcile_all
        report = run()
        self.stdout.write(f"reconcile: {report.checked} order(s) asked, {report.mismatches} mismatch(es), "
                          f"{report.repaired} repaired, {len(report.errors)} gateway error(s)")
        for line in report.errors[:50]:
            self.stdout.write(f"     - {line}")
