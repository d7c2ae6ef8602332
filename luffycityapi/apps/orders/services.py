"""Every order state change lives here: inside transaction.atomic(), after select_for_update() on the order row,
checking the current status; re-applying a transition that already happened is a no-op.

Lock order, everywhere: order → user → coupon log. Side effects (Celery tasks, cart cleanup in Redis, gateway
calls) are registered with transaction.on_commit."""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from luffycityapi.apps.cart import selectors as cart_selectors
from luffycityapi.apps.cart import services as cart_services
from luffycityapi.apps.coupon import services as coupon_services
from luffycityapi.apps.coupon.pricing import Quote, quote
from luffycityapi.apps.users import services as user_services
from luffycityapi.apps.users.models import Credit, User, WalletEntry
from luffycityapi.core import metrics
from luffycityapi.core.errors import Conflict, ShopError
from luffycityapi.core.money import CENT
from luffycityapi.core.prepared import Prepared, PreparedInsert
from luffycityapi.core.queue import enqueue

from . import selectors
from .models import Order, OrderDetail
from .numbers import next_order_number

logger = logging.getLogger("luffycityapi.orders")


@dataclass(frozen=True)
class CheckoutChoice:
    pay_type: int = Order.PayType.ALIPAY
    user_coupon_id: int = -1
    credit: int = 0

    @property
    def uses_coupon(self) -> bool:
        return self.user_coupon_id not in (-1, 0, None)


def _check_pay_type(choice: CheckoutChoice) -> None:
    if choice.pay_type not in _hooks.pay_types():
        raise ShopError("不支持的支付方式", code="pay_type_invalid")


def order_quote(*, user_id: int, choice: CheckoutChoice, balance: int | None = None, lines=None) -> Quote:
    """The server's price for the selected cart and this coupon/credit choice (nothing is reserved). It refuses
    exactly what order_create would refuse for the same body. `balance`: the user's credits when the caller has
    just read them (the request's user), else read here; `lines`: the checkout lines when the caller has just
    priced them (checkout_summary), else priced here."""
    _check_pay_type(choice)
    lines = selectors.checkout_lines(user_id) if lines is None else lines
    if lines:
        _refuse_unbuyable(user_id, [line.course_id for line in lines], expire_overdue=True)
    terms = None
    if choice.uses_coupon:
        log = coupon_services.coupon_for_checkout(user_id=user_id, user_coupon_id=choice.user_coupon_id, lock=False)
        terms = coupon_services.terms_of(log.coupon)
    if balance is None:
        balance = User.objects.values_list("credit", flat=True).get(pk=user_id)
    return quote(lines, coupon=terms, credit=choice.credit, balance=balance,
                 credit_to_money=settings.CREDIT_TO_MONEY)


@dataclass(frozen=True)
class PayMethod:
    """A way to pay offered at checkout: `balance` for one that spends a balance the shop holds (else None), and
    `available` when it can pay `amount` (a balance too small cannot)."""

    pay_type: int
    name: str
    balance: Decimal | None = None
    available: bool = True


@dataclass(frozen=True)
class CheckoutQuote:
    """The quote with the ways to pay the server offers for it (the SPA lists exactly these)."""

    quote: Quote
    pay_type: int
    pay_methods: list[PayMethod]


def checkout_quote(*, user_id: int, choice: CheckoutChoice, balance: int | None = None,
                   lines=None, user: User | None = None) -> CheckoutQuote:
    """order_quote, with the pay methods offered for its amount. `user`: the user's row when the caller has just
    read it (the request's): its credits and wallet balance are then not read again."""
    if user is not None and balance is None:
        balance = user.credit
    priced = order_quote(user_id=user_id, choice=choice, balance=balance, lines=lines)
    return CheckoutQuote(priced, choice.pay_type, _hooks.pay_methods(user_id, priced.real_price, user=user))


def _refuse_unavailable(user_id: int, pay_type: int, amount: Decimal) -> None:
    # Only the chosen way to pay is asked: a balance is read only when it is the one paying.
    for method in _hooks.pay_methods(user_id, amount, (pay_type,)):
        if method.pay_type == pay_type and not method.available:
            raise ShopError(f"{method.name}不可用：余额不足以支付 {amount:.2f} 元", code="pay_type_unavailable",
                            pay_type=pay_type)


class _OverdueOrderHolds(Exception):
    """Raised inside the checkout transaction: an unpaid order past its deadline still holds a course. It is
    expired outside the transaction (expiry may ask the gateway) and the checkout tried again."""

    def __init__(self, hold: selectors.UnpaidHold):
        super().__init__(hold.order_number)
        self.hold = hold


def _refuse_unbuyable(user_id: int, course_ids, *, expire_overdue: bool = False) -> None:
    """Refuse courses the user owns or holds in an unpaid order. An unpaid order past its deadline is expired
    first when `expire_overdue` (never inside a transaction: expiry may ask the gateway); otherwise it raises
    _OverdueOrderHolds for the caller to expire it after its transaction."""
    blockers = selectors.purchase_blockers(user_id=user_id, course_ids=course_ids)  # one round trip for both
    if blockers.owned:
        raise ShopError("所选课程中有已购买的课程", code="course_already_purchased", course_ids=sorted(blockers.owned))
    for unpaid in blockers.unpaid:
        if unpaid.overdue:
            if not expire_overdue:
                raise _OverdueOrderHolds(unpaid)
            if _expire_quietly(unpaid.id):
                continue  # it no longer holds the courses
        raise _unpaid_exists(unpaid.order_number)


def _unpaid_exists(order_number: str) -> ShopError:
    return ShopError("所选课程已在未支付的订单中，请继续支付该订单", code="order_unpaid_exists",
                     order_number=order_number)


def order_create(*, user_id: int, choice: CheckoutChoice) -> Order:
    """Create an order for the selected cart in one transaction: prices from the database, the coupon reserved
    and the credits deducted under row locks; the cart is cleaned and the expiry task queued after commit."""
    _check_pay_type(choice)
    now = timezone.now()
    lines = selectors.checkout_lines(user_id, now)
    if not lines:
        raise ShopError("请先在购物车中选择要购买的课程", code="cart_empty")
    course_ids = [line.course_id for line in lines]
    for attempt in range(3):
        try:
            with transaction.atomic():
                order = _create_locked(user_id, choice, lines, course_ids, now)
            break
        except IntegrityError:  # only the order number can collide; take a fresh one
            if attempt == 2:
                raise
        except _OverdueOrderHolds as holder:
            # An overdue order the sweeper has not reached yet must not block buying its courses again.
            if attempt == 2 or not _expire_quietly(holder.hold.id):
                raise _unpaid_exists(holder.hold.order_number) from None
    transaction.on_commit(lambda: cart_services.cart_remove_ordered(user_id=user_id, course_ids=course_ids))
    transaction.on_commit(lambda: schedule_expiry(order))
    return order


def _expire_quietly(order_id: int) -> bool:
    """Expire an overdue order; whether it is closed now. A failure (e.g. the gateway down) leaves it unpaid,
    and the checkout then refuses as before."""
    try:
        return order_expire(order_id).order_status != Order.Status.UNPAID
    except ShopError as exc:
        logger.warning("could not expire overdue order id %s at checkout: %s", order_id, exc.code)
        return False


# The checkout's lock on its student (credits, and one checkout of a cart at a time), compiled once (core.prepared).
_checkout_user_for_update = Prepared(
    lambda user_id: User.objects.select_for_update().only("id", "credit").filter(pk=user_id).order_by())


# Every checkout writes an order and its lines: their INSERTs are compiled once too.
_order_insert, _line_insert = PreparedInsert(Order), PreparedInsert(OrderDetail)


def _create_locked(user_id, choice, lines, course_ids, now) -> Order:
    user = _checkout_user_for_update.get(user_id)
    # Checked under the user's lock, so two checkouts of one cart at once cannot both pass.
    _refuse_unbuyable(user_id, course_ids)
    log = None
    if choice.uses_coupon:
        log = coupon_services.coupon_for_checkout(user_id=user_id, user_coupon_id=choice.user_coupon_id, lock=True)
    priced = quote(lines, coupon=coupon_services.terms_of(log.coupon) if log else None, credit=choice.credit,
                   balance=user.credit, credit_to_money=settings.CREDIT_TO_MONEY)
    _refuse_unavailable(user_id, choice.pay_type, priced.real_price)
    order = _order_insert.save(Order(
        user_id=user_id, order_number=next_order_number(user_id), pay_type=choice.pay_type,
        total_price=priced.total_price, discount_price=priced.discount_price, real_price=priced.real_price,
        credit=priced.credit, expire_time=now + timedelta(seconds=settings.ORDER_TIMEOUT_SECONDS),
        name=_order_title(lines)))
    _line_insert.save_all(
        OrderDetail(order=order, course_id=line.course_id, name=line.name, price=line.price,
                    real_price=line.real_price, discount_name=line.discount_name) for line in lines)
    if log is not None:
        coupon_services.coupon_reserve(log=log, order_id=order.id)
    if priced.credit:
        user_services.credit_change(user_id=user_id, number=-priced.credit, operation=Credit.Operation.SPEND,
                                    remark=f"订单 {order.order_number} 抵扣", order_number=order.order_number)
    return order


def topup_create(*, user_id: int, amount: Decimal, pay_type: int) -> Order:
    """Create a wallet top-up order: no lines, `amount` (within WALLET_TOPUP_MIN..MAX) paid through a provider
    that takes money from outside the shop; its fulfilment credits the wallet (order_mark_paid), and it expires,
    is queried, closed and refunded like any order."""
    if pay_type not in _hooks.topup_pay_types():
        raise ShopError("该支付方式不能用于充值", code="pay_type_invalid")
    low, high = Decimal(settings.WALLET_TOPUP_MIN), Decimal(settings.WALLET_TOPUP_MAX)
    if amount != amount.quantize(CENT) or not low <= amount <= high:
        raise ShopError(f"充值金额应在 {low:.2f} 至 {high:.2f} 元之间", code="topup_amount_invalid",
                        min=f"{low:.2f}", max=f"{high:.2f}")
    now = timezone.now()
    for attempt in range(3):
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    user_id=user_id, order_number=next_order_number(user_id), kind=Order.Kind.TOPUP,
                    pay_type=pay_type, total_price=amount, real_price=amount, name=f"钱包充值 {amount:.2f} 元",
                    expire_time=now + timedelta(seconds=settings.ORDER_TIMEOUT_SECONDS))
            break
        except IntegrityError:  # only the order number can collide; take a fresh one
            if attempt == 2:
                raise
    transaction.on_commit(lambda: schedule_expiry(order))
    return order


def _order_title(lines) -> str:
    title = "购买课程：" + "、".join(line.name for line in lines)
    return title if len(title) <= 120 else title[:117] + "..."


def schedule_expiry(order: Order) -> None:
    """Queue the countdown task for the order's deadline (the beat sweeper backs it up)."""
    delay = max(0, (order.expire_time - timezone.now()).total_seconds())
    try:
        enqueue("orders.expire", order.id, countdown=delay)
    except Exception:  # noqa: BLE001 - a broker hiccup must not fail a committed order; the sweeper expires it
        logger.exception("could not queue the expiry of order %s; the sweeper will", order.order_number)


# Every state change takes this lock first, and every payment writes its order: their statements are compiled once
# (core.prepared), not on each change.
_order_and_user_for_update = Prepared(
    lambda order_id: Order.objects.select_for_update().select_related("user").filter(pk=order_id).order_by())
_order_row = Prepared(lambda order_id: Order.objects.filter(pk=order_id))
# What every paid order grants: its lines' courses, selected inside the grant's INSERT (compiled once).
_line_course_ids = Prepared(lambda order_id: OrderDetail.objects.filter(order_id=order_id).values_list("course_id")
                            .order_by())


def _lock_order_and_user(order_id: int) -> Order:
    """Lock an order's row and its user's in one statement, in the documented order (order → user): a join read
    FOR UPDATE locks every row it reads, the order's (found by its key) first. Every transition that touches the
    user (credits, courses) takes both before writing: rewriting the order's status, or inserting a row that refers
    to the user, takes a shared lock on the user's row (MariaDB's foreign-key check), and asking for the exclusive
    one after that deadlocks with a checkout of the same student queued for it."""
    return _order_and_user_for_update.get(order_id)


def order_release(*, order_id: int, new_status: int) -> Order:
    """Cancel or time out an unpaid order and give back its coupon and credits. Idempotent: an order that is
    no longer unpaid is returned unchanged (the caller reads its status)."""
    if new_status not in (Order.Status.CANCELLED, Order.Status.TIMEOUT):
        raise ValueError(f"not a release status: {new_status}")
    with transaction.atomic():
        order = _lock_order_and_user(order_id)
        if order.order_status != Order.Status.UNPAID:
            return order
        order.order_status = new_status
        order.save(update_fields=["order_status", "updated_time"])
        if order.credit:
            reason = "取消" if new_status == Order.Status.CANCELLED else "超时"
            user_services.credit_change(user_id=order.user_id, number=order.credit,
                                        operation=Credit.Operation.RETURN,
                                        remark=f"订单 {order.order_number} {reason}，退还积分",
                                        order_number=order.order_number)
        coupon_services.coupon_release(order_id=order.id)
    return order


@dataclass(frozen=True)
class PaidResult:
    order: Order
    newly_paid: bool


class OrderNotPayable(Conflict):
    """A payment arrived for an order that was cancelled or timed out (a late payment)."""

    default_code = "order_not_payable"
    default_message = "订单已取消或超时，不能再支付"


def order_mark_paid(*, order_id: int, trade_no: str, pay_time=None) -> PaidResult:
    """The one fulfilment path: the order becomes paid, its coupon is consumed, its credit hold becomes final
    and the courses are granted. A duplicate is success (newly_paid=False), never an error."""
    # No savepoint inside a caller's transaction (a notify commits its outcome with the fulfilment): it would cost
    # two round trips for nothing. A refusal is raised after the block, with nothing written, so the caller's
    # transaction goes on; any other error fails the caller's whole transaction, as it would anyway.
    with transaction.atomic(savepoint=False):
        order = _lock_order_and_user(order_id)
        if order.order_status in (Order.Status.PAID, Order.Status.REFUNDED):
            return PaidResult(order, False)
        payable = order.order_status == Order.Status.UNPAID
        if payable:
            order.order_status = Order.Status.PAID
            order.pay_time = pay_time or timezone.now()
            order.trade_no = trade_no or ""
            order.updated_time = timezone.now()  # what save()'s auto_now would set
            _order_row.update(order.id, order_status=order.order_status, pay_time=order.pay_time,
                              trade_no=order.trade_no, updated_time=order.updated_time)
            coupon_services.coupon_consume(order_id=order.id)
            _deliver(order)
    if not payable:
        raise OrderNotPayable(order_number=order.order_number)
    transaction.on_commit(metrics.FULFILMENTS.inc)  # a notify's rollback would undo the fulfilment too
    return PaidResult(order, True)


def _deliver(order: Order) -> None:
    """What a paid order gives its student, inside the fulfilment's transaction (order and user locked): a top-up
    credits the wallet (once: keyed by the order), any other order grants its courses (idempotent)."""
    if order.kind == Order.Kind.TOPUP:
        user_services.wallet_change(user_id=order.user_id, amount=order.real_price,
                                    operation=WalletEntry.Operation.TOPUP, reason=f"充值订单 {order.order_number}",
                                    order_number=order.order_number, key=f"topup:{order.order_number}")
        return
    # The lines' course ids as a subquery: granted in one INSERT … SELECT, not a read and an insert.
    user_services.user_courses_grant(user_id=order.user_id, order_number=order.order_number,
                                     course_ids=_line_course_ids.statement(order.id))
    transaction.on_commit(lambda: _clear_bought_from_cart(order))


def _clear_bought_from_cart(order: Order) -> None:
    """A paid order's courses leave the student's cart (after the commit, outside the locks). order_create already
    drops them after its own commit, but a worker killed between that commit and its callback left them selected,
    and the student's next checkout was refused with course_already_purchased (the cluster soak's killed node)."""
    # Most carts are empty by now (the create's own cleanup ran): one Redis call, and no query, decides that.
    if cart_selectors.cart_count(order.user_id):
        cart_services.cart_remove_ordered(user_id=order.user_id,
                                          course_ids=selectors.order_course_ids(order_id=order.id))


def order_lock(order_id: int) -> Order:
    """Lock an order and its user (order → user), for a payment that moves money inside the shop's own database
    in the same transaction as the fulfilment (the caller's transaction.atomic())."""
    return _lock_order_and_user(order_id)


def order_close_released(order_id: int, new_status: int) -> Order:
    """The default close handler: release without asking anybody."""
    return order_release(order_id=order_id, new_status=new_status)


# --- what the payments app decides: orders never imports payments ---------------------------------------------

def _all_methods(user_id: int, amount: Decimal, pay_types=None, *, user=None) -> list[PayMethod]:
    return [PayMethod(pay_type, label) for pay_type, label in Order.PayType.choices
            if pay_types is None or pay_type in pay_types]


@dataclass
class PaymentHooks:
    close: Callable[[int, int], Order]  # closes an unpaid order at cancel or expiry: (order_id, new_status)
    pay_types: Callable[[], list[int]]  # the pay types checkout accepts
    # the pay types a wallet top-up may be paid with (money from outside the shop)
    topup_pay_types: Callable[[], list[int]] = lambda: []
    # the ways to pay offered for (user_id, amount[, only these pay types]), in the order the SPA shows them
    pay_methods: Callable[..., list[PayMethod]] = _all_methods


_hooks = PaymentHooks(close=order_close_released, pay_types=lambda: list(Order.PayType.values))


def install_payment_hooks(*, close: Callable[[int, int], Order], pay_types: Callable[[], list[int]],
                          topup_pay_types: Callable[[], list[int]] | None = None,
                          pay_methods: Callable[..., list[PayMethod]] | None = None) -> None:
    """Called by the payments app in its AppConfig.ready(): `close` asks the provider before an unpaid order is
    released (query, then close the trade), `pay_types` lists the ways to pay that have a provider,
    `topup_pay_types` those that can fund a wallet top-up, `pay_methods` what checkout offers."""
    _hooks.close, _hooks.pay_types = close, pay_types
    if topup_pay_types is not None:
        _hooks.topup_pay_types = topup_pay_types
    if pay_methods is not None:
        _hooks.pay_methods = pay_methods


def close_handler() -> Callable[[int, int], Order]:
    """What closes an unpaid order (cancel or expiry): the payments app's handler once installed; without it,
    the order is simply released."""
    return _hooks.close


def order_cancel(*, user_id: int, order_number: str) -> Order:
    """A student cancels their unpaid order (idempotent: cancelling a cancelled order answers the same)."""
    order = selectors.order_of_user(user_id=user_id, order_number=order_number)
    if order.order_status == Order.Status.CANCELLED:
        return order
    if order.order_status != Order.Status.UNPAID:
        raise ShopError(f"订单{order.get_order_status_display()}，不能取消", code="order_not_cancellable")
    order = close_handler()(order.id, Order.Status.CANCELLED)
    if order.order_status not in (Order.Status.CANCELLED,):
        raise ShopError(f"订单{order.get_order_status_display()}，不能取消", code="order_not_cancellable",
                        order_status=order.order_status)
    return order


def order_expire(order_id: int) -> Order | None:
    """Time out an unpaid order at (or after) its deadline; a no-op for any other order, and None for an order
    that no longer exists (a countdown task may outlive its order)."""
    order = Order.objects.filter(pk=order_id).only("id", "order_status", "expire_time").first()
    if order is None:
        logger.warning("order id %s to expire does not exist", order_id)
        return None
    if order.order_status != Order.Status.UNPAID or order.expire_time > timezone.now():
        return order
    closed = close_handler()(order.id, Order.Status.TIMEOUT)
    if closed.order_status == Order.Status.TIMEOUT:
        metrics.EXPIRY_LAG.observe((timezone.now() - order.expire_time).total_seconds())
    return closed


def order_mark_refunded(*, order_id: int) -> Order:
    """A paid order whose every course has been refunded becomes REFUNDED, and its coupon comes back when it is
    still valid (the README's refund rule). Idempotent: an order already refunded is returned unchanged. Called
    by payments once the last refund of the order succeeded (credits and courses are settled per refund)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.order_status == Order.Status.REFUNDED:
            return order
        if order.order_status != Order.Status.PAID:
            raise ShopError(f"订单{order.get_order_status_display()}，不能退款", code="order_not_refundable")
        order.order_status = Order.Status.REFUNDED
        order.save(update_fields=["order_status", "updated_time"])
        # Lock order order → coupon log: the coupon row is touched only after the order's lock.
        coupon_services.coupon_restore_after_refund(order_id=order.id)
    return order


def order_mark_paid_after_close(*, order_id: int, trade_no: str, pay_time=None) -> PaidResult:
    """Staff grant a payment that arrived after the order closed ("fulfil anyway" on a payment issue): the
    order becomes paid and its courses are granted. Its credits were given back at close, so they are spent
    again (refused when the student no longer has them); its coupon went back too and stays with the student,
    since a released coupon is no longer tied to the order. Idempotent like order_mark_paid."""
    with transaction.atomic():
        order = _lock_order_and_user(order_id)
        if order.order_status in (Order.Status.PAID, Order.Status.REFUNDED):
            return PaidResult(order, False)
        if order.order_status not in (Order.Status.CANCELLED, Order.Status.TIMEOUT):
            raise ShopError(f"订单{order.get_order_status_display()}，不能补发", code="order_not_closed")
        if order.credit:
            user_services.credit_change(user_id=order.user_id, number=-order.credit,
                                        operation=Credit.Operation.SPEND,
                                        remark=f"订单 {order.order_number} 关闭后到账，补发课程，重新抵扣",
                                        order_number=order.order_number)
        order.order_status = Order.Status.PAID
        order.pay_time = pay_time or timezone.now()
        order.trade_no = trade_no or ""
        order.save(update_fields=["order_status", "pay_time", "trade_no", "updated_time"])
        _deliver(order)
    return PaidResult(order, True)
