"""Payment records name their provider instead of being Alipay's: `trade_no` becomes `provider_trade_no`, the
reconciliation row's `alipay_status`/`alipay_amount` become `provider_status`/`provider_amount` (renames keep every
value), and a `provider` column is added, filled with "alipay" for every existing row (the only provider there
was). New rows name their provider themselves."""
from django.db import migrations, models

TABLES = ["PaymentEvent", "PaymentIssue", "ReconciliationMismatch"]


def name_existing_rows(apps, schema_editor):
    for model in TABLES:
        apps.get_model("payments", model).objects.filter(provider="").update(provider="alipay")


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0003_staff_groups"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="paymentissue", name="one_issue_per_trade_and_kind"),
        migrations.RenameField(model_name="paymentevent", old_name="trade_no", new_name="provider_trade_no"),
        migrations.RenameField(model_name="paymentissue", old_name="trade_no", new_name="provider_trade_no"),
        migrations.RenameField(model_name="reconciliationmismatch", old_name="trade_no", new_name="provider_trade_no"),
        migrations.RenameField(model_name="reconciliationmismatch", old_name="alipay_status", new_name="provider_status"),
        migrations.RenameField(model_name="reconciliationmismatch", old_name="alipay_amount", new_name="provider_amount"),
        migrations.AlterField(
            model_name="paymentevent", name="provider_trade_no",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="支付平台交易号"),
        ),
        migrations.AlterField(
            model_name="paymentissue", name="provider_trade_no",
            field=models.CharField(max_length=64, verbose_name="支付平台交易号"),
        ),
        migrations.AlterField(
            model_name="reconciliationmismatch", name="provider_trade_no",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="支付平台交易号"),
        ),
        migrations.AlterField(
            model_name="reconciliationmismatch", name="provider_status",
            field=models.CharField(blank=True, default="", max_length=32, verbose_name="支付平台状态"),
        ),
        migrations.AlterField(
            model_name="reconciliationmismatch", name="provider_amount",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, verbose_name="支付平台金额"),
        ),
        migrations.AddConstraint(
            model_name="paymentissue",
            constraint=models.UniqueConstraint(fields=("provider_trade_no", "kind"), name="one_issue_per_trade_and_kind"),
        ),
        *[migrations.AddField(
            model_name=model.lower(), name="provider",
            field=models.CharField(blank=True, default="", max_length=16, verbose_name="支付平台"),
        ) for model in TABLES],
        migrations.RunPython(name_existing_rows, migrations.RunPython.noop),
    ]
