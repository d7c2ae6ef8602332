"""The staff groups (payments 0003) look at refund requests and study progress too: support and finance may view
them; finance decides requests through its payments.can_refund permission (the admin actions)."""
import importlib

from django.db import migrations

VIEW_APPS = ["refund_requests", "learning"]


def grant(apps, schema_editor):
    staff_groups = importlib.import_module("luffycityapi.apps.payments.migrations.0003_staff_groups")
    staff_groups._ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = list(Permission.objects.filter(content_type__app_label__in=VIEW_APPS, codename__startswith="view_"))
    for group in Group.objects.filter(name__in=["support", "finance"]):
        group.permissions.add(*view)


class Migration(migrations.Migration):
    dependencies = [
        ("refund_requests", "0001_initial"),
        ("learning", "0001_initial"),
        ("payments", "0003_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
