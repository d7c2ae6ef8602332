"""Gateway-level validation (S4/S5/S6): each isv.* case answers an unsigned envelope in Alipay's order, and the SDK
turns each into an AliPayException; signature problems both ways."""
import json
from urllib.parse import parse_qsl, urlencode
from urllib.request import urlopen

import pytest
from alipay.exceptions import AliPayException, AliPayValidationError

from .conftest import pem_of_new_key

QUERY = "alipay.trade.query"
NODE = "alipay_trade_query_response"


def message_of(error: AliPayException) -> str:
    """The raw gateway body the SDK put into its exception (it has no public accessor)."""
    return str(error).split("message:", 1)[1]


def signed_pairs(client, method=QUERY, biz=None, **extra):
    """The SDK's own signed request as (key, value) pairs, to be broken one way or another."""
    body = client.build_body(method, biz if biz is not None else {"out_trade_no": "NOPE"}, **extra)
    return parse_qsl(client.sign_data(body), keep_blank_values=True)


def call_raw(client, pairs, node=NODE):
    """Send pairs as the SDK would and let the SDK judge the answer (it raises for unsigned envelopes)."""
    raw = urlopen(client._gateway + "?" + urlencode(pairs), timeout=5).read().decode()
    return raw, client._verify_and_return_sync_response(raw, node)


def expect_unsigned(client, pairs, code, sub_code, node=NODE):
    with pytest.raises(AliPayException) as caught:
        call_raw(client, pairs, node)
    envelope = json.loads(message_of(caught.value))
    assert "sign" not in envelope
    body = envelope.get(node) or envelope["error_response"]
    assert (body["code"], body["sub_code"]) == (code, sub_code), body
    assert body["msg"] and body["sub_msg"]
    return body


@pytest.mark.parametrize("missing, sub_code", [
    ("method", "isv.missing-method"), ("sign", "isv.missing-signature"),
    ("sign_type", "isv.missing-signature-type"), ("app_id", "isv.missing-app-id"),
    ("timestamp", "isv.missing-timestamp"), ("version", "isv.missing-version"),
])
def test_missing_common_params(client, missing, sub_code):
    pairs = [(k, v) for k, v in signed_pairs(client) if k != missing]
    expect_unsigned(client, pairs, "40001", sub_code)


def test_missing_params_are_reported_in_alipays_order(client):
    pairs = [(k, v) for k, v in signed_pairs(client) if k not in ("timestamp", "sign_type")]
    expect_unsigned(client, pairs, "40001", "isv.missing-signature-type")


def test_empty_value_counts_as_missing(client):
    pairs = [(k, "" if k == "app_id" else v) for k, v in signed_pairs(client)]
    expect_unsigned(client, pairs, "40001", "isv.missing-app-id")


def test_invalid_app_id(make_client, monkeypatch, client):
    pairs = [(k, "2021000000000009" if k == "app_id" else v) for k, v in signed_pairs(client)]
    body = expect_unsigned(client, pairs, "40002", "isv.invalid-app-id")
    assert body["sub_msg"] == "无效的AppID参数"


def test_invalid_signature_type(client):
    pairs = [(k, "RSA3" if k == "sign_type" else v) for k, v in signed_pairs(client)]
    expect_unsigned(client, pairs, "40002", "isv.invalid-signature-type")


def test_sign_type_the_app_is_not_configured_for(make_client):
    rsa_client = make_client(sign_type="RSA")
    with pytest.raises(AliPayException) as caught:
        rsa_client.api_alipay_trade_query(out_trade_no="X")
    assert "isv.missing-signature-config" in message_of(caught.value)


def test_rsa_sign_type_works_when_the_app_is_configured_for_it(make_client, settings):
    settings.ALIPAY_SIGN_TYPE = "RSA"
    result = make_client(sign_type="RSA").api_alipay_trade_query(out_trade_no="X")
    assert result["sub_code"] == "ACQ.TRADE_NOT_EXIST"  # signed with SHA1 and verified by the SDK


def test_invalid_timestamp(client):
    pairs = [(k, "2026/11/25 06:19:53" if k == "timestamp" else v) for k, v in signed_pairs(client)]
    expect_unsigned(client, pairs, "40002", "isv.invalid-timestamp")


def test_clock_skew_is_not_enforced(client):
    pairs = signed_pairs(client, timestamp="2001-01-01 00:00:00")
    _, result = call_raw(client, pairs)
    assert result["sub_code"] == "ACQ.TRADE_NOT_EXIST"


def test_invalid_method_the_tutorial_typo(client):
    with pytest.raises(AliPayException) as caught:
        client.server_api("alipay.rade.refund", {"out_trade_no": "X", "refund_amount": "1.00"})
    body = json.loads(message_of(caught.value))["error_response"]
    assert body["sub_code"] == "isv.invalid-method" and body["sub_msg"] == "不存在的方法名"


def test_unsupported_method_is_invalid_method(client):
    with pytest.raises(AliPayException) as caught:
        client.api_alipay_trade_cancel(out_trade_no="X")
    assert "isv.invalid-method" in message_of(caught.value)


def test_request_signed_with_a_wrong_key_is_invalid_signature(make_client):
    stranger = make_client(private_pem=pem_of_new_key()[0])
    with pytest.raises(AliPayException) as caught:
        stranger.api_alipay_trade_query(out_trade_no="ORD001")
    body = json.loads(message_of(caught.value))[NODE]
    assert body["code"] == "40002" and body["sub_code"] == "isv.invalid-signature"
    prefix = "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："
    assert body["sub_msg"].startswith(prefix)
    content = body["sub_msg"][len(prefix):]
    assert content.startswith("app_id=") and 'biz_content={"out_trade_no":"ORD001"}' in content
    assert "sign=" not in content.replace("sign_type=", "")


def test_changed_value_breaks_the_signature(client):
    pairs = [(k, '{"out_trade_no":"OTHER"}' if k == "biz_content" else v) for k, v in signed_pairs(client)]
    expect_unsigned(client, pairs, "40002", "isv.invalid-signature")


def test_signature_is_checked_over_the_received_text_not_a_reserialisation(client):
    # Spaces and non-ASCII in biz_content: only a verifier using the raw received text accepts this.
    biz = '{"out_trade_no": "课程-1"}'
    body = client.build_body(QUERY)
    body["biz_content"] = biz
    pairs = parse_qsl(client.sign_data(body), keep_blank_values=True)
    _, result = call_raw(client, pairs)
    assert result["sub_code"] == "ACQ.TRADE_NOT_EXIST" and result["out_trade_no"] == "课程-1"


def test_empty_params_are_left_out_of_the_signed_string(client):
    pairs = signed_pairs(client) + [("notify_url", "")]
    _, result = call_raw(client, pairs)
    assert result["code"] == "40004"


def test_invalid_charset(client):
    pairs = [(k, "latin-9" if k == "charset" else v) for k, v in signed_pairs(client)]
    expect_unsigned(client, pairs, "40002", "isv.invalid-charset", node="error_response")


def test_biz_content_that_is_not_json(client):
    body = client.build_body(QUERY)
    body["biz_content"] = '{"out_trade_no":'
    pairs = parse_qsl(client.sign_data(body), keep_blank_values=True)
    expect_unsigned(client, pairs, "40002", "isv.invalid-parameter")


def test_post_with_biz_content_in_the_body_like_the_official_sdks(client):
    pairs = signed_pairs(client)
    query = urlencode([(k, v) for k, v in pairs if k != "biz_content"])
    form = urlencode([(k, v) for k, v in pairs if k == "biz_content"]).encode()
    raw = urlopen(client._gateway + "?" + query, data=form, timeout=5).read().decode()
    assert client._verify_and_return_sync_response(raw, NODE)["sub_code"] == "ACQ.TRADE_NOT_EXIST"


def test_response_signed_by_a_wrong_key_fails_sdk_validation(make_client):
    suspicious = make_client(public_pem=pem_of_new_key()[1])
    with pytest.raises(AliPayValidationError):
        suspicious.api_alipay_trade_query(out_trade_no="X")


def test_responses_are_compact_utf8_json_labelled_text_html(client):
    pairs = signed_pairs(client, biz={"out_trade_no": "X"})
    response = urlopen(client._gateway + "?" + urlencode(pairs), timeout=5)
    assert response.headers["Content-Type"] == "text/html;charset=utf-8"
    raw = response.read().decode()
    assert raw.startswith('{"alipay_trade_query_response":{"code":"40004","msg":"Business Failed",')
    assert "交易不存在" in raw and ", " not in raw and raw.endswith('"}')
