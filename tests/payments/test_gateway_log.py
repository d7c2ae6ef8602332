"""What a gateway call leaves in the log (issue 13 item 11): at INFO one short line a person can read — the call,
the order, the outcome, the time — and never the signed request; the parameters and the whole answer only at
DEBUG. Over real HTTP to the sandbox gateway, as `make run` does."""
import logging
import re

import pytest

PROVIDER_LOGGER = "luffycityapi.payments.alipay"


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def provider_log():
    """The provider's records, caught where the shop's console handler would get them (the `luffycityapi`
    logger does not propagate to pytest's root handler), at the logger's configured level unless set."""
    logger = logging.getLogger(PROVIDER_LOGGER)
    handler, level = Records(), logger.level
    logger.addHandler(handler)
    yield logger, handler.records
    logger.removeHandler(handler)
    logger.setLevel(level)


def _ask_gateway(student, make_course):
    """An unpaid order whose status the student polls: the shop asks the gateway (alipay.trade.query)."""
    number = student.order([make_course(price="99.00").id])["order_number"]
    student.open_cashier(number)
    assert student.call("GET", f"/api/payments/alipay/query/{number}/", 200).json()["order_status"] == 0
    return number


def test_a_gateway_call_is_one_short_info_line_without_the_signed_request(student, make_course, provider_log):
    logger, records = provider_log
    logger.setLevel(logging.INFO)  # what `make run` and production log by default (LOG_LEVEL=INFO)

    number = _ask_gateway(student, make_course)

    lines = [r.getMessage() for r in records]
    assert len(lines) == 1, lines
    assert re.fullmatch(rf"alipay\.trade\.query order={number} outcome=ACQ\.TRADE_NOT_EXIST \d+ ms", lines[0])
    assert records[0].levelno == logging.INFO
    assert "sign" not in lines[0] and "biz" not in lines[0]


def test_at_debug_the_parameters_and_the_answer_are_there_too(student, make_course, provider_log):
    logger, records = provider_log
    logger.setLevel(logging.DEBUG)

    number = _ask_gateway(student, make_course)

    debug = [r.getMessage() for r in records if r.levelno == logging.DEBUG]
    assert len(debug) == 1, debug
    assert f"'out_trade_no': '{number}'" in debug[0]  # the request's parameters
    assert "'sub_code': 'ACQ.TRADE_NOT_EXIST'" in debug[0]  # the gateway's whole answer
    assert [r.levelno for r in records].count(logging.INFO) == 1
