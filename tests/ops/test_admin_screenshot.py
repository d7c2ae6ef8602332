"""A Chromium screenshot of the order admin page (a paid order, one course refunded): the page as operators see
it, with the admin's own CSS served by the live server. Written to var/screenshots/order_admin.png."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from .conftest import pay
from .test_refunds import _form, _submit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.slow
def test_screenshot_of_the_order_admin_page(student, make_course, finance, tmp_path):
    if CHROMIUM is None:
        # `make test` installs it first where it can (scripts/ensure-chromium.sh); in CI it must not vanish
        (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)("no Chromium on this machine")
    a, b = make_course(price="199.00", credit=100), make_course(price="99.00", credit=100)
    order = pay(student, student.order([a.id, b.id], credit=100)["order_number"])
    _submit(finance, order.id, [b.id], _form(finance, order.id))
    html = finance.get(reverse("admin:orders_order_change", args=[order.id])).content.decode()
    assert 'id="payment-timeline"' in html and "退款成功" in html
    page = tmp_path / "order.html"
    page.write_text(html.replace("<head>", f'<head><base href="{student.base}/">', 1), encoding="utf-8")
    out = Path(settings.VAR_DIR) / "screenshots" / "order_admin.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1400,1800", f"--screenshot={out}", page.as_uri()],
                   check=True, capture_output=True, timeout=60)
    assert out.stat().st_size > 10_000
