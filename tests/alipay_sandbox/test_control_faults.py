"""DELETE __sim__/faults: a fault armed for many calls can be taken back, without touching trades or switches."""
import requests

from .conftest import HTTP_TIMEOUT


def delete(sim, **body):
    response = requests.delete(sim.url("faults"), json=body or None, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def test_delete_one_methods_faults_then_all(open_cashier, client, sim, out_trade_no):
    open_cashier(out_trade_no, total_amount="100.00")
    assert sim.post(f"trades/{out_trade_no}/pay")["paid_now"]
    sim.post("faults", method="alipay.trade.query", kind="system_error", count=1000)
    sim.post("faults", method="alipay.trade.close", kind="http_500", count=5)
    assert client.api_alipay_trade_query(out_trade_no=out_trade_no)["sub_code"] == "ACQ.SYSTEM_ERROR"

    answer = delete(sim, method="alipay.trade.query")
    assert answer["deleted"] == 1
    assert answer["faults"] == [{"method": "alipay.trade.close", "kind": "http_500", "remaining": 5, "seconds": 0.0}]
    # The query answers truthfully again; the trade is untouched.
    result = client.api_alipay_trade_query(out_trade_no=out_trade_no)
    assert result["code"] == "10000" and result["trade_status"] == "TRADE_SUCCESS"

    assert delete(sim) == {"deleted": 1, "faults": []}
    assert sim.get("faults") == {"faults": []}
    assert sim.trade(out_trade_no)["status"] == "TRADE_SUCCESS"


def test_delete_with_nothing_armed_is_harmless(sim):
    assert delete(sim) == {"deleted": 0, "faults": []}
    response = requests.put(sim.url("faults"), timeout=HTTP_TIMEOUT)
    assert response.status_code == 405
