"""Refunds operators ask for: whole orders or chosen courses of them (admin), and the settling of quarantined
payments (refund, grant, dismiss).

The pro-rata rule (also in the README, "Operations"). An order's lines are taken in the order they were priced
(OrderDetail id). Each line's price is its `real_price` (after any discount activity); P is their sum, the
order's `total_price`. The money the student paid through the provider (the order's `real_price`, M) and the credits
they spent (the order's `credit`, C) are spread over the lines in proportion to their price: every line but the
last gets M × price / P rounded DOWN to the cent and C × price / P rounded down to a whole credit; the last line
gets what is left, so the shares add up to M and C exactly and no share is ever negative. (The coupon's or
credits' deduction is thereby spread over all lines too.) Refunding some lines gives back:

- money: the sum of those lines' money shares, refunded through the order's provider (nothing is sent for 0.00);
- credits: the sum of their credit shares, as one RETURN entry in the ledger when the refund succeeds;
- courses: their UserCourse rows are removed when the refund succeeds;
- the coupon: only when the refund makes the whole order refunded (status REFUNDED) and the coupon is still
  valid; a partial refund never returns it.

Refunding every line, in one refund or several, returns exactly M and C. A refund is stored with its unique
out_request_no before the provider is asked; the admin form carries that number, so submitting the same form
twice repeats the same request (the provider refunds once), and a course already refunded or being refunded cannot
be refunded again. A refund succeeds only when the provider says money moved, or a refund query confirms it."""
import logging
import uuid
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from luffycityapi.apps.learning.policy import line_policies
from luffycityapi.apps.orders import services as order_services
from luffycityapi.apps.orders.models import Order
from luffycityapi.core import metrics
from luffycityapi.core.errors import ShopError
from luffycityapi.core.money import CENT, ZERO

from . import events
from .models import PaymentEvent, PaymentIssue, Refund
from .providers.base import ProviderError
from .providers.registry import provider_for
from .refund_effects import apply_refund_outcome

logger = logging.getLogger("luffycityapi.payments")
ACTIVE = (Refund.Status.PENDING, Refund.Status.SUCCEEDED)


@dataclass(frozen=True)
class LineShare:
    course_id: int
    name: str
    price: Decimal
    money: Decimal
    credit: int


def line_shares(order: Order) -> list[LineShare]:
    """Each line's share of the money paid and of the credits spent (the pro-rata rule above)."""
    lines = list(order.order_courses.order_by("id"))
    total = sum((line.real_price for line in lines), ZERO)
    shares, money_left, credit_left = [], order.real_price, order.credit
    for index, line in enumerate(lines):
        if index == len(lines) - 1:
            money, credit = money_left, credit_left
        elif total > 0:
            money = (order.real_price * line.real_price / total).quantize(CENT, rounding=ROUND_DOWN)
            credit = int(Decimal(order.credit) * line.real_price / total)  # int() rounds down: never negative
        else:  # every line free: nothing was paid or spent on any of them
            money, credit = ZERO, 0
        money_left, credit_left = money_left - money, credit_left - credit
        shares.append(LineShare(line.course_id, line.name, line.real_price, money, credit))
    return shares


def refunded_course_ids(order_id: int) -> set[int]:
    """Courses of the order in a refund that succeeded or is still pending (they cannot be refunded again)."""
    taken = set()
    for course_ids in Refund.objects.filter(order_id=order_id, reason=Refund.Reason.ADMIN,
                                            status__in=ACTIVE).values_list("course_ids", flat=True):
        taken.update(int(c) for c in course_ids or [])
    return taken


def new_request_no() -> str:
    """A fresh out_request_no for a refund form (≤ 64 characters, unique per refund)."""
    return "R" + uuid.uuid4().hex


def refund_request(*, order_id: int, course_ids, out_request_no: str, operator_id=None, remark="",
                   policy_override: bool = False, policy_at=None) -> Refund:
    """Store an operator's refund of some or all courses of a paid order (nothing is sent yet). The same
    out_request_no again returns the refund already stored; courses already refunded (or pending) are refused, and
    so are lines outside the refund policy (learning.policy, judged at `policy_at`, default now) unless the
    operator overrides it, which is recorded on the refund with the operator."""
    wanted = sorted({int(c) for c in course_ids})
    if not wanted:
        raise ShopError("请选择要退款的课程", code="refund_no_courses")
    if not out_request_no or len(out_request_no) > 64:
        raise ShopError("退款请求号无效", code="refund_request_invalid")
    with transaction.atomic():
        # The order's lock serialises refunds of one order, so two forms cannot both pass the overlap check.
        order = Order.objects.select_for_update().get(pk=order_id)
        existing = Refund.objects.filter(out_request_no=out_request_no).first()
        if existing is not None:
            if existing.order_id != order.id or sorted(existing.course_ids) != wanted:
                raise ShopError("该退款请求号已用于另一笔退款", code="refund_request_conflict")
            return existing
        if order.order_status != Order.Status.PAID:
            raise ShopError(f"订单{order.get_order_status_display()}，不能退款", code="order_not_refundable")
        shares = {share.course_id: share for share in line_shares(order)}
        if set(wanted) - set(shares):
            raise ShopError("所选课程不在该订单中", code="refund_course_not_in_order")
        overlap = refunded_course_ids(order.id) & set(wanted)
        if overlap:
            raise ShopError("所选课程已退款或正在退款", code="refund_course_already_refunded",
                            course_ids=sorted(overlap))
        policies = line_policies(order, at=policy_at)
        outside = sorted(c for c in wanted if not policies[c].refundable)
        if outside and not policy_override:
            raise ShopError("所选课程超出退款政策（" + "；".join(policies[c].message for c in outside)
                            + "），如确需退款请勾选“超出政策仍退款”", code="refund_outside_policy", course_ids=outside)
        return Refund.objects.create(
            order=order, out_request_no=out_request_no, reason=Refund.Reason.ADMIN, course_ids=wanted,
            amount=sum((shares[c].money for c in wanted), ZERO), credit=sum(shares[c].credit for c in wanted),
            operator_id=operator_id, remark=(remark or "")[:255], policy_override=bool(outside and policy_override))


def refund_courses(*, order_id: int, course_ids, out_request_no: str, operator_id=None, remark="",
                   policy_override: bool = False, policy_at=None) -> Refund:
    """Store the refund, then carry it out (outside any transaction: the gateway is called). Returns the refund
    as it stands: succeeded, failed (with the gateway's reason) or pending (the retry job confirms it)."""
    refund = refund_request(order_id=order_id, course_ids=course_ids, out_request_no=out_request_no,
                            operator_id=operator_id, remark=remark, policy_override=policy_override,
                            policy_at=policy_at)
    return refund_execute(refund.id)


# --- the quarantine (PaymentIssue): refund, grant or dismiss, each recorded ----------------------------------

def _resolve(issue_id: int, *, allowed, operator_id, note: str):
    """Lock an issue (after its order: the payments lock order is order → refund → issue → user → coupon log),
    check it is in one of the allowed states, and stamp who and when."""
    order_id = PaymentIssue.objects.values_list("order_id", flat=True).get(pk=issue_id)
    Order.objects.select_for_update().filter(pk=order_id).values_list("id", flat=True).first()
    issue = PaymentIssue.objects.select_for_update().select_related("order", "refund").get(pk=issue_id)
    if issue.status not in allowed:
        raise ShopError(f"该异常已{issue.get_status_display()}，不能再处理", code="issue_already_settled")
    issue.resolved_by_id, issue.resolved_time = operator_id, timezone.now()
    issue.note = (note or "")[:500]
    return issue


def issue_refund(*, issue_id: int, operator_id=None, note="") -> Refund:
    """Refund a quarantined payment in full (its trade's amount). Each attempt has its own out_request_no
    Q<issue>-<n>; a new one is made only after the previous attempt failed (the provider refunded nothing)."""
    with transaction.atomic():
        issue = _resolve(issue_id, allowed=(PaymentIssue.Status.OPEN,), operator_id=operator_id, note=note)
        if issue.refund_id and issue.refund.status in ACTIVE:
            raise ShopError("该异常已有退款", code="issue_refund_exists")
        attempt = Refund.objects.filter(out_request_no__startswith=f"Q{issue.id}-").count() + 1
        refund = Refund.objects.create(order=issue.order, out_request_no=f"Q{issue.id}-{attempt}",
                                       amount=issue.amount or ZERO, reason=Refund.Reason.QUARANTINE,
                                       operator_id=operator_id, remark=f"交易 {issue.provider_trade_no}：{note}"[:255])
        issue.refund, issue.status = refund, PaymentIssue.Status.REFUNDING
        issue.save()
    return refund_execute(refund.id)


def issue_grant(*, issue_id: int, operator_id=None, note="") -> PaymentIssue:
    """Fulfil a quarantined payment anyway: the order becomes paid and the courses are granted (an unpaid order
    through the normal fulfilment path; a closed one through order_mark_paid_after_close)."""
    with transaction.atomic():
        issue = _resolve(issue_id, allowed=(PaymentIssue.Status.OPEN,), operator_id=operator_id, note=note)
        if issue.refund_id and issue.refund.status in ACTIVE:
            raise ShopError("该笔款项已退款或正在退款，不能补发", code="issue_refund_exists")
        order = issue.order
        if order.order_status == Order.Status.UNPAID:
            order_services.order_mark_paid(order_id=order.id, trade_no=issue.provider_trade_no)
        elif order.order_status in (Order.Status.CANCELLED, Order.Status.TIMEOUT):
            order_services.order_mark_paid_after_close(order_id=order.id, trade_no=issue.provider_trade_no)
        else:
            raise ShopError(f"订单{order.get_order_status_display()}，只能退款或忽略", code="issue_not_grantable")
        issue.status = PaymentIssue.Status.GRANTED
        issue.save()
    return issue


def issue_dismiss(*, issue_id: int, operator_id=None, note="") -> PaymentIssue:
    """Close an issue without moving money (e.g. settled outside the shop); the note says why."""
    with transaction.atomic():
        issue = _resolve(issue_id, allowed=(PaymentIssue.Status.OPEN,), operator_id=operator_id, note=note)
        issue.status = PaymentIssue.Status.DISMISSED
        issue.save()
    return issue


# --- carrying a stored refund out at the provider ------------------------------------------------------------

def refund_execute(refund_id: int) -> Refund:
    """Carry out a stored refund (idempotent by its out_request_no). It succeeds only when the provider says money
    moved or a refund query confirms it for the stored amount; a retryable gateway failure, or a query confirming
    another amount (the reason recorded), leaves it pending for the retry job."""
    refund = Refund.objects.select_related("order").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    if refund.amount <= 0:
        # Nothing paid in money for these lines (a 0.00 order, or credits covered them): no trade to refund,
        # and providers refuse 0.00; the refund still settles the courses and credits.
        return _refund_settled(refund, Refund.Status.SUCCEEDED, answer={"note": "退款金额为 0.00，未调用支付平台"})
    Refund.objects.filter(pk=refund.pk).update(attempts=refund.attempts + 1)
    number = refund.order.order_number
    provider = provider_for(refund.order.pay_type)
    failure = ""
    try:
        answer = events.ask(PaymentEvent.Kind.REFUND, provider, number, provider.refund, amount=refund.amount,
                            request_no=refund.out_request_no, reason=refund.get_reason_display())
        confirmed, gateway_answer = answer.moved, answer.raw
        if not confirmed:
            found = events.ask(PaymentEvent.Kind.REFUND_QUERY, provider, number, provider.refund_query,
                               request_no=refund.out_request_no)
            confirmed, gateway_answer = found.found, found.raw
            if confirmed and found.amount != refund.amount:
                # Money moved under our request number, but not this refund's amount: no confirmation of it.
                # Not failed either: "failed" means nothing moved and lets the courses be refunded again, which
                # could refund twice. It stays pending (visible in admin with the reason) and is asked again.
                confirmed = False
                failure = f"退款查询金额不符：{provider.title}确认 {found.amount} 元，本次退款 {refund.amount} 元"
                logger.error("refund %s of order %s: the refund query confirms %s, not %s", refund.out_request_no,
                             number, found.amount, refund.amount)
    except ProviderError as exc:
        if exc.retryable:
            return refund
        return _refund_settled(refund, Refund.Status.FAILED, failure=exc.message, answer=exc.raw)
    return _refund_settled(refund, Refund.Status.SUCCEEDED if confirmed else Refund.Status.PENDING,
                           failure=failure, answer=gateway_answer)


def _refund_settled(refund: Refund, status: int, *, failure: str = "", answer=None) -> Refund:
    """Record a refund's outcome once (PENDING → SUCCEEDED/FAILED) and apply its effects in the same
    transaction; a still-pending outcome records the gateway's answer and why it is not settled (or clears
    that reason). A refund already settled is returned as it is."""
    with transaction.atomic():
        # Lock order: order → refund → payment issue → user → coupon log (the effects touch all of them).
        Order.objects.select_for_update().filter(pk=refund.order_id).values_list("id", flat=True).first()
        locked = Refund.objects.select_for_update().select_related("order").get(pk=refund.pk)
        if locked.status != Refund.Status.PENDING:
            return locked
        locked.status, locked.failure, locked.gateway_answer = status, failure[:255], events.jsonable(answer)
        locked.save(update_fields=["status", "failure", "gateway_answer", "updated_time"])
        apply_refund_outcome(locked)
        metrics.REFUNDS.labels(Refund.Status(status).name.lower()).inc()
    return locked


def pending_refund_ids(limit: int = 100) -> list[int]:
    """Refunds still waiting for a confirmation from their provider (the retry job's work list)."""
    return list(Refund.objects.filter(status=Refund.Status.PENDING).order_by("id").values_list("id", flat=True)[:limit])
