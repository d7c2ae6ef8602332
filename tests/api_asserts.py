"""Assertions on the HTTP contract's error shape, shared by the backbone's tests (importable because pytest puts
tests/ on sys.path for its rootdir conftest)."""


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is `status` with a JSON {errmsg, code} body and no traceback; returns the body."""
    text = response.content.decode()
    assert response.status_code == status, text
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert "Traceback" not in text and 'File "' not in text
    body = response.json()
    assert isinstance(body.get("errmsg"), str) and body["errmsg"].strip(), body
    assert isinstance(body.get("code"), str) and body["code"].strip(), body
    if code is not None:
        assert body["code"] == code, body
    return body
