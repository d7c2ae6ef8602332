"""The control API's clock, ids and forced states (S22/S23)."""


def test_frozen_clock_and_deterministic_ids(open_cashier, sim, client, out_trade_no):
    sim.post("config", frozen_at="2030-01-02 03:04:05", deterministic_ids=True)
    open_cashier(out_trade_no)
    answer = sim.post(f"trades/{out_trade_no}/pay")
    assert answer["trade"]["trade_no"] == "2030010222001000000000000001"
    assert answer["trade"]["gmt_payment"] == "2030-01-02 03:04:05"
    assert answer["return_params"]["timestamp"] == "2030-01-02 03:04:05"
    query = client.api_alipay_trade_query(out_trade_no=out_trade_no)
    assert query["send_pay_date"] == "2030-01-02 03:04:05"
    sim.post("clock/advance", seconds=60)
    assert sim.get("config")["now"] == "2030-01-02 03:05:05"


def test_expire_and_finish(open_cashier, sim, client, out_trade_no):
    open_cashier(out_trade_no)
    sim.post(f"trades/{out_trade_no}/login")
    assert sim.post(f"trades/{out_trade_no}/expire")["trade"]["status"] == "TRADE_CLOSED"
    assert client.api_alipay_trade_query(out_trade_no=out_trade_no)["trade_status"] == "TRADE_CLOSED"
    # finish only applies to a paid trade
    assert sim.post(f"trades/{out_trade_no}/finish")["trade"]["status"] == "TRADE_CLOSED"


def test_unknown_actions_are_404(open_cashier, sim, out_trade_no):
    open_cashier(out_trade_no)
    assert sim.post(f"trades/{out_trade_no}/explode", expect=404)["error"]
    assert sim.post(f"trades/{out_trade_no}/notify/explode", expect=404)["error"]
    assert sim.post(f"trades/{out_trade_no}/notify/resend", expect=404)["error"] == "this trade has no notification yet"
