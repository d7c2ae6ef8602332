"""Issue #2: the cart survives a restart of the web processes. A real gunicorn (the command `make run` starts)
serves the cart over HTTP, is stopped by its PID, and a new one on the same port reads the cart back: nothing of
the cart lives in a web process. Runs on both stacks (the embedded Redis server is its own daemon, shared through
its socket, like the production Redis server)."""
import os

import pytest
import requests
from backbone.webproc import WebProcess
from conftest import bearer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

TIMEOUT = 10


def test_the_cart_survives_a_restart_of_the_web_process(tmp_path, make_user, make_course, redis_conn):
    user = make_user()
    kept, unselected = make_course(price="399.00", credit=200), make_course(price="1579.00")
    api = requests.Session()
    api.headers["Authorization"] = bearer(user)

    first = WebProcess(tmp_path / "web-1.log").start()
    try:
        for course in (kept, unselected):
            added = api.post(f"{first.base}/api/cart/", json={"course_id": course.id}, timeout=TIMEOUT)
            assert added.status_code == 201, added.text
        assert api.patch(f"{first.base}/api/cart/", json={"course_id": unselected.id, "selected": False},
                         timeout=TIMEOUT).status_code == 200
        before = api.get(f"{first.base}/api/cart/", timeout=TIMEOUT)
        assert before.status_code == 200, before.text
    finally:
        pid = first.proc.pid
        first.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # that web process is gone, not merely idle
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{first.base}/api/health/", timeout=TIMEOUT)  # and nothing answers on its port
    cart = before.json()["cart"]
    assert [(c["id"], c["price"], c["selected"]) for c in cart] == [
        (kept.id, "399.00", True), (unselected.id, "1579.00", False)]

    with WebProcess(tmp_path / "web-2.log", port=first.port) as second:
        assert second.proc.pid != pid
        after = api.get(f"{second.base}/api/cart/", timeout=TIMEOUT)
        assert after.status_code == 200, after.text
        assert after.json() == before.json()
        checkout = api.get(f"{second.base}/api/cart/order/", timeout=TIMEOUT)  # the selection survived too
        assert checkout.status_code == 200, checkout.text
        assert [c["id"] for c in checkout.json()["cart"]] == [kept.id]
    assert redis_conn.hgetall(f"cart_{user.id}") == {str(kept.id).encode(): b"1", str(unselected.id).encode(): b"0"}
