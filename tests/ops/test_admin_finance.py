"""The admin as finance and support read it (issue #16 item 6): the refund form starts unticked and asks for a
confirmation showing the money and credits; refund records name courses and operators and fold raw answers away;
payment-event codes are labelled; paid orders cannot be edited; the revenue chart shows refunds, not ¥0 orders."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from payments.conftest import notify_params, place_order, post_notify, sign_params  # noqa: F401  (fixtures)

from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments import labels
from luffycityapi.apps.payments.models import PaymentEvent, Refund
from luffycityapi.apps.payments.selectors import revenue_by_day


@pytest.fixture
def paid_order(make_user, client_for, place_order, post_notify):  # noqa: F811
    user = make_user(credit=100)
    placed = place_order(client_for(user), "100.00", "50.00", credit=100)  # 100 credits = 10.00 off: 140.00
    assert post_notify(sign_params(notify_params(placed["order_number"], placed["real_price"],
                                                 trade_no="2026112522001499990000000052"))) == "success"
    return Order.objects.get(pk=placed["id"])


def _refund_url(order):
    return reverse("admin:orders_order_refund", args=[order.id])


def test_the_refund_form_starts_with_nothing_ticked(finance, paid_order):
    page = finance.get(_refund_url(paid_order)).content.decode()

    boxes = re.findall(r'<input type="checkbox" name="course_ids"[^>]*>', page)
    assert len(boxes) == 2
    assert not any("checked" in box for box in boxes)


def test_submitting_the_form_asks_for_confirmation_with_the_totals_and_refunds_nothing(finance, paid_order):
    lines = list(paid_order.order_courses.values_list("course_id", flat=True))
    page = finance.post(_refund_url(paid_order), {"course_ids": lines, "out_request_no": "R-confirm-1",
                                                   "remark": "学员申请", "override": "1"})

    assert page.status_code == 200 and not Refund.objects.exists()
    html = page.content.decode()
    assert 'id="refund-confirm-form"' in html
    # the whole order: 140.00 and the 100 credits spent, line by line and in total
    assert re.search(r'id="refund-total-money">140\.00<', html) and re.search(r'id="refund-total-credit">100<', html)
    assert "确认退款 140.00 元" in html and "学员申请" in html
    assert html.count('class="refund-line"') == 2
    # every field of the form is carried to the refund (fields other forms add too), and the step is marked
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    assert hidden["out_request_no"] == "R-confirm-1" and hidden["override"] == "1" and hidden["confirmed"] == "1"
    assert sorted(re.findall(r'name="course_ids" value="(\d+)"', html)) == sorted(str(c) for c in lines)


def test_confirmation_of_one_line_shows_that_lines_share(finance, paid_order):
    second = paid_order.order_courses.order_by("id").last()
    html = finance.post(_refund_url(paid_order), {"course_ids": [second.course_id],
                                                   "out_request_no": "R-confirm-2"}).content.decode()

    # 140.00 and 100 credits over prices 100:50 → the last line takes the remainder: 46.67 and 34 credits
    assert re.search(r'id="refund-total-money">46\.67<', html) and re.search(r'id="refund-total-credit">34<', html)


def test_nothing_ticked_is_sent_back_to_the_form(finance, paid_order):
    response = finance.post(_refund_url(paid_order), {"out_request_no": "R-empty"}, follow=True)

    assert response.redirect_chain[-1][0].endswith(_refund_url(paid_order))
    assert any("至少勾选一门" in str(m) for m in response.context["messages"])
    assert not Refund.objects.exists()


def test_support_cannot_reach_the_confirmation(support, paid_order):
    lines = list(paid_order.order_courses.values_list("course_id", flat=True))
    assert support.post(_refund_url(paid_order), {"course_ids": lines, "out_request_no": "R2"}).status_code == 403


@pytest.fixture
def refunded(paid_order, finance):
    """A succeeded refund of the order's first course, as the refund service leaves it."""
    first = paid_order.order_courses.order_by("id").first()
    return Refund.objects.create(
        order=paid_order, out_request_no="R-shown-1", amount=Decimal("93.33"), credit=66,
        reason=Refund.Reason.ADMIN, course_ids=[first.course_id], operator=finance.user,
        status=Refund.Status.SUCCEEDED, gateway_answer={"code": "10000", "fund_change": "Y", "refund_fee": "93.33"})


def test_refund_records_show_course_names_and_the_operator_with_the_raw_answer_folded(support, refunded):
    first = refunded.order.order_courses.order_by("id").first()
    pages = {
        "list": support.get(reverse("admin:payments_refund_changelist")).content.decode(),
        "record": support.get(reverse("admin:payments_refund_change", args=[refunded.id])).content.decode(),
        "order": support.get(reverse("admin:orders_order_change", args=[refunded.order_id])).content.decode(),
    }
    for where, html in pages.items():
        assert first.name in html, where
        assert refunded.operator.username in html, where
        assert f"[{first.course_id}]" not in html, where  # no raw id list
    for where in ("record", "order"):
        html = pages[where]
        assert '<details class="raw-json">' in html, where
        folded = html.split('<details class="raw-json">', 1)[1].split("</details>", 1)[0]
        assert "fund_change" in folded, where  # the raw answer is there, inside the fold
        assert "fund_change" not in html.replace(folded, ""), where


def test_payment_event_codes_have_labels(support, paid_order):
    PaymentEvent.objects.create(kind=PaymentEvent.Kind.CLOSE, direction=PaymentEvent.Direction.OUTBOUND,
                                provider="alipay", order_number=paid_order.order_number, outcome="not_exist")
    PaymentEvent.objects.create(kind=PaymentEvent.Kind.QUERY, direction=PaymentEvent.Direction.OUTBOUND,
                                provider="alipay", order_number=paid_order.order_number, outcome="40004")

    html = support.get(reverse("admin:payments_paymentevent_changelist")).content.decode()
    for shown in ("已确认支付并发放课程 · fulfilled", "交易不存在（买家未打开支付页） · not_exist",
                  "业务处理失败 · 40004", "成功 · ok"):
        assert shown in html, shown
    order_page = support.get(reverse("admin:orders_order_change", args=[paid_order.id])).content.decode()
    assert "已确认支付并发放课程 · fulfilled" in order_page


@pytest.mark.parametrize("code, shown", [
    ("fulfilled", "已确认支付并发放课程"), ("not_exist", "交易不存在（买家未打开支付页）"), ("40004", "业务处理失败"),
    ("error: gateway_timeout", "出错：支付网关超时"), ("rejected: quarantined", "已拒绝：已隔离待处理"),
    ("order_status=1", "订单状态：已支付"), ("ignored: refund notification", "已忽略：退款通知"), ("TRADE_SUCCESS", "支付成功"), ("", "-"), ("something_new", "something_new"),
])
def test_labels(code, shown):
    assert labels.label(code) == shown


def test_labelled_keeps_the_code_beside_the_label():
    assert labels.labelled("40004") == "业务处理失败 · 40004"
    assert labels.labelled("something_new") == "something_new"
    assert labels.labelled(None) == "-"


def test_a_paid_orders_fields_are_all_read_only(admin_client_for_orders, paid_order):
    client, url = admin_client_for_orders, reverse("admin:orders_order_change", args=[paid_order.id])
    response = client.get(url)
    form = response.context["adminform"].form

    assert response.status_code == 200 and list(form.fields) == []  # nothing left to edit
    client.post(url, {"name": "改过的标题", "order_desc": "x"})
    paid_order.refresh_from_db()
    assert paid_order.name != "改过的标题"


def test_an_unpaid_orders_title_stays_editable(admin_client_for_orders, make_user, client_for, place_order):  # noqa: F811
    placed = place_order(client_for(make_user()), "80.00")
    response = admin_client_for_orders.get(reverse("admin:orders_order_change", args=[placed["id"]]))

    assert "name" in response.context["adminform"].form.fields
    assert "real_price" not in response.context["adminform"].form.fields


@pytest.fixture
def admin_client_for_orders(staff):
    return staff()  # a superuser: may change orders, so any read-only field is the admin's own choice


def test_the_revenue_chart_leaves_out_free_orders_and_shows_refunds(staff, paid_order, refunded, make_user):
    now = timezone.now()
    free = Order.objects.create(user=make_user(), order_number="FREE-1", order_status=Order.Status.PAID,
                                total_price=Decimal("0.00"), real_price=Decimal("0.00"), pay_time=now,
                                expire_time=now + timedelta(minutes=30))
    today = revenue_by_day(30)[-1]

    assert today.revenue == Decimal("140.00") and today.orders == 1  # the ¥0 order is not counted
    assert today.refunded == Decimal("93.33") and today.refunds == 1
    html = staff().get(reverse("admin:index")).content.decode()
    chart = html.split('id="revenue-chart"', 1)[1].split("</div>", 1)[0]
    assert 'class="refund-bar"' in chart
    assert re.search(r'id="revenue-refunded"[^>]*>93\.33<', chart)
    assert re.search(r'id="revenue-net">46\.67<', chart)
    assert "<strong>1</strong> 笔订单" in chart and free.order_number not in chart


def test_a_pending_or_failed_refund_is_not_in_the_chart(paid_order, refunded):
    Refund.objects.filter(pk=refunded.pk).update(status=Refund.Status.FAILED)
    assert revenue_by_day(30)[-1].refunded == Decimal("0.00")
