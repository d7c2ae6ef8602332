"""Refund requests: a student asks, finance approves (through payments' one refund service) or rejects.

Lock order: the order row first (as in payments), then the request."""
from django.db import transaction
from django.utils import timezone

from luffycityapi.apps.learning.policy import line_policies
from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments import refunds
from luffycityapi.apps.payments.models import Refund
from luffycityapi.core.errors import Conflict, NotFound, ShopError

from .models import RefundRequest


def refund_request_create(*, user_id: int, order_number: str, course_id, reason: str) -> RefundRequest:
    """Ask for a refund of one course of the student's own paid order, with a reason; only while the line is within
    the refund policy and not refunded, and only one open request per line (a second is a 409)."""
    reason = (reason or "").strip()
    if not reason:
        raise ShopError("请填写退款原因", code="refund_reason_required")
    try:
        course_id = int(course_id)
    except (TypeError, ValueError):
        raise ShopError("课程无效", code="refund_course_not_in_order") from None
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(order_number=order_number, user_id=user_id).first()
        if order is None:
            raise NotFound("订单不存在", code="order_not_found")
        if not order.order_courses.filter(course_id=course_id).exists():
            raise ShopError("该课程不在订单中", code="refund_course_not_in_order")
        if RefundRequest.objects.filter(order=order, course_id=course_id, status=RefundRequest.Status.OPEN).exists():
            raise Conflict("该课程已有待审核的退款申请", code="refund_request_exists")
        if course_id in refunds.refunded_course_ids(order.id):
            raise Conflict("该课程已退款或正在退款", code="refund_course_already_refunded")
        line = line_policies(order)[course_id]
        if not line.refundable:
            raise ShopError(line.message, code=line.code)
        return RefundRequest.objects.create(user_id=user_id, order=order, course_id=course_id, reason=reason[:255])


def _lock(request_id: int) -> RefundRequest:
    order_id = RefundRequest.objects.values_list("order_id", flat=True).filter(pk=request_id).first()
    if order_id is None:
        raise NotFound("退款申请不存在", code="refund_request_not_found")
    Order.objects.select_for_update().filter(pk=order_id).values_list("id", flat=True).first()
    return RefundRequest.objects.select_for_update().select_related("refund").get(pk=request_id)


def refund_request_approve(*, request_id: int, operator_id, override: bool = False, note: str = "") -> Refund:
    """Approve: store the refund through payments' refund service (its policy judged at the request's time; outside
    it only with `override`, recorded on the refund with the operator), then carry it out. Idempotent: approving
    an approved request returns its refund (and retries it if it is still pending)."""
    with transaction.atomic():
        req = _lock(request_id)
        if req.status == RefundRequest.Status.REJECTED:
            raise Conflict("该申请已被拒绝", code="refund_request_decided")
        if req.status == RefundRequest.Status.OPEN:
            refund = refunds.refund_request(
                order_id=req.order_id, course_ids=[req.course_id], out_request_no=f"RQ{req.id}",
                operator_id=operator_id, remark=f"学员申请退款：{req.reason}"[:255], policy_override=override,
                policy_at=req.created_time)
            req.status, req.refund = RefundRequest.Status.APPROVED, refund
            req.decided_by_id, req.decided_time, req.note = operator_id, timezone.now(), (note or "")[:255]
            req.save()
        refund_id = req.refund_id
    return refunds.refund_execute(refund_id)


def refund_request_reject(*, request_id: int, operator_id, note: str = "") -> RefundRequest:
    """Reject an open request (the course stays the student's); rejecting again is a no-op."""
    with transaction.atomic():
        req = _lock(request_id)
        if req.status == RefundRequest.Status.APPROVED:
            raise Conflict("该申请已批准退款", code="refund_request_decided")
        if req.status == RefundRequest.Status.OPEN:
            req.status = RefundRequest.Status.REJECTED
            req.decided_by_id, req.decided_time, req.note = operator_id, timezone.now(), (note or "")[:255]
            req.save()
    return req


def user_refund_requests(user_id: int):
    """The student's requests, newest first, with their refund's state."""
    return (RefundRequest.objects.filter(user_id=user_id).select_related("order", "course", "refund")
            .order_by("-created_time", "-id"))
