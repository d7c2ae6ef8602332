"""The students: each registers and logs in over the API, gets credits and coupons, places 5 orders and follows
each pay link through the gateway's 302 to the cashier. Order 0 meets a fate (cancelled, some racing a payment or
paid after the cancel; or left to expire, some paid at the very deadline); orders 1..4 are paid on the cashier
form or through the sandbox's control API and handed to the storm."""
import re
import threading
import time
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import requests

from soak import shop
from soak.inflight import is_proxy_failure
from soak.shop import PAID, call, sim, stats, together, wsim
from soak.storm import Storm

PASSWORD = "soak-pass-2026"


class Student:
    def __init__(self, n: int):
        self.n = n
        self.mobile = f"1370000{n:04d}"
        self.browser = requests.Session()
        self.token = ""
        self.user_id = None
        self.coupon_logs: list[int] = []
        self.orders: list[dict] = []

    def register_and_login(self):
        r = call("register", "POST", "/api/users/register/",
                 json={"mobile": self.mobile, "password": PASSWORD, "password2": PASSWORD})
        if r.status_code not in (201, 400):
            stats.violation(f"register {self.mobile}: HTTP {r.status_code}")
        r = call("login", "POST", "/api/users/login/", json={"username": self.mobile, "password": PASSWORD})
        if r.status_code != 200:
            raise RuntimeError(f"login {self.mobile}: {r.status_code} {r.text[:200]}")
        self.token = r.json()["access"]
        self.user_id = call("me", "GET", "/api/users/me/", token=self.token).json()["id"]

    def order(self, course_ids, *, coupon=-1, credit=0, pay_type=0) -> dict:
        for course_id in course_ids:
            r = call("cart", "POST", "/api/cart/", token=self.token, json={"course_id": course_id})
            if r.status_code != 201:
                stats.violation(f"cart add {course_id} for {self.mobile}: {r.status_code} {r.text[:200]}")
        r = call("order", "POST", "/api/orders/", token=self.token,
                 json={"pay_type": pay_type, "user_coupon_id": coupon, "credit": credit})
        if r.status_code == 400 and r.json().get("code") == "order_unpaid_exists":
            # our first try was committed but its answer lost (a killed worker): that order is ours
            number = r.json()["order_number"]
            r = call("order_detail", "GET", f"/api/orders/{number}/", token=self.token)
        elif r.status_code == 400 and r.json().get("code") == "cart_empty" and (
                number := self._unseen_order(course_ids)):
            # the same, with the node killed after the order's cart cleanup too: the second try finds the cart
            # empty, and the student finds the order among their unpaid ones
            stats.count("orders_found_after_lost_answer")
            r = call("order_detail", "GET", f"/api/orders/{number}/", token=self.token)
        elif r.status_code != 201:
            raise RuntimeError(f"order for {self.mobile}: {r.status_code} {r.text[:300]}")
        order = r.json()
        order["deadline"] = time.monotonic() + float(order.get("order_timeout") or 0)
        self.orders.append(order)
        return order

    def _unseen_order(self, course_ids) -> str | None:
        """The number of an unpaid order of ours for exactly these courses that we were never answered with."""
        known = {order["order_number"] for order in self.orders}
        r = call("order_list", "GET", "/api/orders/?status=0&size=50", token=self.token)
        if r.status_code != 200:
            return None
        for order in r.json()["results"]:
            if (order["order_number"] not in known
                    and sorted(line["id"] for line in order["courses"]) == sorted(course_ids)):
                return order["order_number"]
        return None

    def open_cashier(self, number: str) -> str | None:
        """The pay link, then the gateway's 302 to the cashier, as a browser follows them."""
        r = call("link", "GET", f"/api/payments/alipay/{number}/", token=self.token)
        if r.status_code != 200:
            stats.violation(f"link {number}: {r.status_code} {r.text[:200]}")
            return None
        gateway = call("gateway", "GET", r.json()["link"], session=self.browser)
        if gateway.status_code != 302:
            stats.violation(f"gateway for {number}: {gateway.status_code} {gateway.text[:200]}")
            return None
        cashier = shop.BASE + urlsplit(gateway.headers["Location"]).path
        page = call("cashier", "GET", cashier, session=self.browser)
        if page.status_code != 200 or 'id="cashier-pay"' not in page.text:
            stats.violation(f"cashier for {number}: {page.status_code}")
            return None
        return cashier

    def click(self, cashier: str, button: str) -> requests.Response:
        page = call("cashier", "GET", cashier, session=self.browser)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return call("cashier", "POST", f"{cashier}/{button}", session=self.browser,
                    data={"csrfmiddlewaretoken": token}, headers={"Referer": cashier})


def pay(student: Student, number: str, cashier: str, *, form: bool, tamper_return=False) -> tuple[dict | None, str | None]:
    """The buyer pays: on the cashier form (302 to the return URL) or the sandbox's one-step pay. Returns the
    sandbox trade when paid, and the return query string to relay. A pay whose answer was lost with its node (the
    cluster soak) is not sent again blindly: the buyer looks at the trade, and pays again only if it is not paid."""
    if form and tamper_return:
        sim(f"trades/{number}/return/tamper-next", field="signature")
        stats.faults["tampered return"] += 1
    for _ in range(2):
        if form:
            r = student.click(cashier, "pay")
            back = urlsplit(r.headers["Location"]).query if r.status_code == 302 else None
        else:
            r = sim(f"trades/{number}/pay")
            back = (urlencode(r.json().get("return_params") or {}) or None) if r.status_code == 200 else None
        trade = sim(f"trades/{number}", http="GET").json()
        if trade["status"] in PAID:
            return trade, back
        if not is_proxy_failure(r.status_code, r.headers.get("Content-Type", "")):
            break
    return None, None


def pay_with_wechat(student: Student, number: str) -> None:
    """A WeChat Pay order: the code_url, the phone pays (the sandbox's control API), then 4 copies of its signed,
    encrypted notify at once with the SPA's poll and the order's detail, like the storm's Alipay bursts."""
    r = call("wechat_link", "GET", f"/api/payments/wechat/{number}/", token=student.token)
    if r.status_code != 200 or not str(r.json().get("code_url", "")).startswith("weixin://"):
        stats.violation(f"wechat code_url {number}: {r.status_code} {r.text[:200]}")
        return
    paid = wsim(f"orders/{number}/pay")
    if paid.status_code != 200 or paid.json().get("trade_state") != "SUCCESS":
        # A pay whose answer was cut off with a killed worker is sent again (shop.call) and refused ORDERPAID: the
        # buyer looks at the trade, as pay() does for Alipay, and the phone's payment stands if the trade is paid.
        trade = wsim(f"orders/{number}", http="GET")
        if trade.status_code != 200 or trade.json().get("trade_state") != "SUCCESS":
            stats.violation(f"wechat pay {number}: the sandbox did not take the payment: {paid.text[:200]}")
            return
        stats.count("payments_found_after_lost_answer")
    calls = [lambda: wsim(f"orders/{number}/notify/duplicate", count=1) for _ in range(4)]
    calls.append(lambda: call("query", "GET", f"/api/payments/wechat/query/{number}/", token=student.token))
    calls.append(lambda: call("order_detail", "GET", f"/api/orders/{number}/", token=student.token))
    together(calls)
    stats.count("wechat_paid")


def student_first_order(student: Student, course_ids, fate: str):
    """Order 0: the one that is cancelled or expires. Coupon students use their first coupon on it, credit students
    100 credits, so a release must give both back (exactly once)."""
    coupon = student.coupon_logs[0] if student.coupon_logs else -1
    credit = 100 if (student.n % 2 == 0 and coupon == -1) else 0
    order = student.order(course_ids[0:2], coupon=coupon, credit=credit)
    order["fate"] = fate
    if fate in ("cancel_race", "cancel_after_login", "expire_race", "expire_after_login"):
        cashier = student.open_cashier(order["order_number"])
        if cashier:
            student.click(cashier, "login")
        order["cashier"] = cashier
    elif fate in ("cancel_then_pay", "expire_link_only"):
        order["cashier"] = student.open_cashier(order["order_number"])
    return order


def run_first_order_fate(student: Student, order: dict, storm: Storm):
    number, fate = order["order_number"], order["fate"]
    if fate.startswith("cancel"):
        if fate == "cancel_race":
            results = {}

            def cancel():
                results["cancel"] = call("cancel", "POST", f"/api/orders/{number}/cancel/", token=student.token)

            def buyer():
                results["pay"] = sim(f"trades/{number}/pay")

            together([cancel, buyer])
        else:
            r = call("cancel", "POST", f"/api/orders/{number}/cancel/", token=student.token)
            if r.status_code != 200 and timed_out_first(r, order):
                stats.count("late_cancels")  # a loaded host reached the cancel after the deadline: the shop is right
            elif r.status_code != 200:
                stats.violation(f"cancel {number}: {r.status_code} {r.text[:200]}")
            if fate == "cancel_then_pay":
                sim(f"trades/{number}/pay")  # the trade was never opened, so Alipay still takes the money
        trade = sim(f"trades/{number}", http="GET")
        if trade.status_code == 200 and trade.json()["status"] in PAID:
            storm.push(student, trade.json(), None)
    elif fate == "expire_race":
        time.sleep(max(0.0, order["deadline"] - time.monotonic() - 0.3))  # pay at the very deadline
        sim(f"trades/{number}/pay")
        trade = sim(f"trades/{number}", http="GET")
        if trade.status_code == 200 and trade.json()["status"] in PAID:
            storm.push(student, trade.json(), None)


def timed_out_first(response, order: dict) -> bool:
    """A cancel refused because the order had already timed out, sent after its deadline (2 s of clock slack)."""
    try:
        code = response.json().get("code")
    except ValueError:
        return False
    return (response.status_code == 400 and code == "order_not_cancellable"
            and time.monotonic() >= order["deadline"] - 2)


FIRST_FATES = ["cancel_race", "cancel_after_login", "cancel_then_pay", "expire_race", "expire_after_login",
               "expire_link_only", "expire_no_link"]


def student_journey(student: Student, course_ids, storm: Storm, first_order: dict, tamper: dict):
    """Orders 1..4: each paid at once, its notifies and relays queued for the storm."""
    fate_thread = threading.Thread(target=run_first_order_fate, args=(student, first_order, storm), daemon=True)
    fate_thread.start()
    for k in range(1, 5):
        coupon = student.coupon_logs[1] if (k == 1 and len(student.coupon_logs) > 1) else -1
        credit = 150 if (k == 2 and student.n % 2 == 0) else 0
        wechat = k == 4 and student.n % 2 == 1  # every other student pays the last order with WeChat Pay
        order = student.order(course_ids[2 * k:2 * k + 2], coupon=coupon, credit=credit, pay_type=1 if wechat else 0)
        order["fate"] = "pay"
        number = order["order_number"]
        if wechat:
            pay_with_wechat(student, number)
            continue
        cashier = student.open_cashier(number)
        if not cashier:
            continue
        form = (student.n + k) % 3 == 0
        if tamper.get("notify", 0) > 0 and not form:
            with stats.lock:
                tamper["notify"] -= 1
            sim(f"trades/{number}/notify/tamper-next", field="total_amount")
            stats.faults["tampered notify (amount +1.00, validly signed)"] += 1
        do_tamper_return = False
        if form and tamper.get("return", 0) > 0:
            with stats.lock:
                tamper["return"] -= 1
            do_tamper_return = True
        trade, back = pay(student, number, cashier, form=form, tamper_return=do_tamper_return)
        if trade is None:
            stats.violation(f"pay {number}: the sandbox did not take the payment")
            continue
        storm.push(student, trade, back)
    wallet_leg(student, course_ids, storm)
    fate_thread.join(timeout=600)


TOPUP = "3000.00"
WALLET = 2  # Order.PayType.WALLET


def wallet_leg(student: Student, course_ids, storm: Storm):
    """The wallet: a top-up paid on the cashier (its notifies storm like any order's; the poll asks the gateway
    meanwhile), then a wallet order of the two courses no other order uses, paid by 4 POSTs at once: one charge."""
    r = call("topup", "POST", "/api/orders/topup/", token=student.token, json={"amount": TOPUP, "pay_type": 0})
    if r.status_code != 201:
        stats.violation(f"top-up for {student.mobile}: {r.status_code} {r.text[:200]}")
        return
    topup = {**r.json(), "fate": "topup"}
    student.orders.append(topup)
    number = topup["order_number"]
    cashier = student.open_cashier(number)
    if not cashier:
        return
    trade, back = pay(student, number, cashier, form=False)
    if trade is None:
        stats.violation(f"top-up {number}: the sandbox did not take the payment")
        return
    storm.push(student, trade, back)
    deadline = time.monotonic() + 90
    while call("wallet", "GET", "/api/users/wallet/", token=student.token).json().get("money") != TOPUP:
        if time.monotonic() > deadline:
            stats.violation(f"top-up {number}: the wallet was not credited {TOPUP} in 90 s")
            return
        call("query", "GET", f"/api/payments/alipay/query/{number}/", token=student.token)
        time.sleep(0.5)
    order = student.order(course_ids[10:12], pay_type=WALLET)
    order["fate"] = "wallet"
    answers = []

    def pay_from_wallet():
        answers.append(call("wallet_pay", "POST", f"/api/payments/wallet/{order['order_number']}/",
                            token=student.token))

    together([pay_from_wallet] * 4)
    if sorted(a.status_code for a in answers) != [200] * 4:
        stats.violation(f"wallet pay {order['order_number']}: {[a.status_code for a in answers]}")
    money = call("wallet", "GET", "/api/users/wallet/", token=student.token).json().get("money")
    expected = f"{Decimal(TOPUP) - Decimal(order['real_price']):.2f}"
    if money != expected:
        stats.violation(f"wallet of {student.mobile} after paying {order['order_number']}: {money}, not {expected}")
