"""Staff groups: "support" may look at the shop's data, "finance" may also refund and settle payment issues."""
from django.db import migrations

# The apps whose models staff look at in admin.
VIEW_APPS = ["orders", "payments", "users", "coupon", "courses"]


def _ensure_permissions(apps):
    # Permissions are normally created after all migrations (post_migrate); create them now so a fresh database
    # gets its groups filled in this very migration.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions takes for "no models".
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original


def create_groups(apps, schema_editor=None):
    """Idempotent (get_or_create, add): also used by tests to restore the groups after a table flush."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    _ensure_permissions(apps)
    view = list(Permission.objects.filter(content_type__app_label__in=VIEW_APPS, codename__startswith="view_"))
    support, _ = Group.objects.get_or_create(name="support")
    support.permissions.add(*view)
    finance, _ = Group.objects.get_or_create(name="finance")
    finance.permissions.add(*view, Permission.objects.get(content_type__app_label="payments", codename="can_refund"))


def drop_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["support", "finance"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_refunds_ops"),
        ("orders", "__first__"), ("users", "__first__"), ("coupon", "__first__"), ("courses", "__first__"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, drop_groups)]
