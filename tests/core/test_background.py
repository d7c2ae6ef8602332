"""The sandboxes' notify delivery threads stop when asked (tests/conftest.py stops them after every test, before
the test's database goes away), and start again on the next kick."""
import pytest

from luffycityapi.apps.alipay_sandbox import notify as alipay_notify
from luffycityapi.apps.wechatpay_sandbox import notify as wechat_notify


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("module", [alipay_notify, wechat_notify], ids=["alipay", "wechatpay"])
def test_a_delivery_thread_stops_when_asked_and_a_kick_starts_another(module):
    module.kick()
    running = module._thread
    assert running is not None and running.is_alive()
    module.stop()
    assert not running.is_alive()  # ended, not merely asleep (it idles 5 s before leaving on its own)
    module.kick()
    assert module._thread is not running and module._thread.is_alive()
    module.stop()
    assert not module._thread.is_alive()
