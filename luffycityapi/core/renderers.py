"""The API's JSON renderer: every datetime in one zone, the shop's (settings.TIME_ZONE, Asia/Shanghai), with its
offset ("2026-12-04T08:00:00+08:00").

Why: serializer DateTimeFields already render in the current zone, but a datetime put straight into a response
dict (the coupon list's start/end time) went through DRF's encoder as it came from the database, in UTC ("…Z"),
and the SPA showed those digits as if they were shop time. One encoder for every response removes the difference."""
import datetime

from django.utils import timezone
from rest_framework import renderers
from rest_framework.utils import encoders


class ShopJSONEncoder(encoders.JSONEncoder):
    def default(self, obj):
        if isinstance(obj, datetime.datetime) and timezone.is_aware(obj):
            obj = timezone.localtime(obj)
        return super().default(obj)


class JSONRenderer(renderers.JSONRenderer):
    encoder_class = ShopJSONEncoder


def local_iso(value) -> str | None:
    """A datetime as the renderer shows it (shop time with offset), for code that builds strings itself."""
    if value is None:
        return None
    return ShopJSONEncoder().default(value)
