"""The API's one contract (issue #17): the OpenAPI schema drf-spectacular generates from the views' serializers is
valid without a warning, names every body's properties (successes and errors), and publishes the error codes."""
import re

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from luffycityapi.core.errors import ErrorCode

# Bodies that are not JSON by protocol: the providers' notify answers a plain-text word (alipay-protocol.md).
# WeChat Pay's notify answers 204, or its own {code: "FAIL", message} for a retry (wechatpay-protocol.md).
NOT_JSON = {("post", "/api/payments/alipay/notify"), ("post", "/api/payments/alipay/notify/"),
            ("post", "/api/payments/wechat/notify"), ("post", "/api/payments/wechat/notify/")}
# 2xx bodies that are files, with their media type; their errors are still the Error component.
FILE_BODIES = {("get", "/api/learn/lessons/{lesson_id}/media/"): "video/webm"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def resolve(schema, node):
    while "$ref" in node or len(node.get("allOf", [])) == 1:
        node = node["allOf"][0] if "allOf" in node else node
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def unnamed(schema, node, where) -> list[str]:
    """Where under `node` a body (or an object inside it) has no named properties: a free-form object."""
    node = resolve(schema, node)
    if "allOf" in node or "oneOf" in node or "anyOf" in node:
        return [p for sub in node.get("allOf", []) + node.get("oneOf", []) + node.get("anyOf", [])
                for p in unnamed(schema, sub, where)]
    if node.get("type") == "array":
        return unnamed(schema, node["items"], f"{where}[]")
    if node.get("type") == "object" or "properties" in node:
        if not node.get("properties"):
            return [where]
        return [p for name, sub in node["properties"].items() if name != "fields"  # Error.fields: DRF's detail
                for p in unnamed(schema, sub, f"{where}.{name}")]
    return []


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def test_spectacular_validates_without_a_warning(tmp_path):
    """What CI runs: `manage.py spectacular --validate --fail-on-warn` (a warning or an invalid schema raises)."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3")


def test_every_2xx_and_4xx_body_names_its_properties(schema):
    problems = []
    for method, path, operation in operations(schema):
        for status, response in operation["responses"].items():
            if not status.startswith(("2", "4")) or status == "204":
                continue
            content = response.get("content")
            if (method, path) in NOT_JSON and status.startswith("2"):
                assert list(content) == ["text/plain"], (method, path, status)
                continue
            if (method, path) in FILE_BODIES and status.startswith("2"):
                assert list(content) == [FILE_BODIES[method, path]], (method, path, status)
                continue
            if not content or "application/json" not in content:
                problems.append(f"{method.upper()} {path} {status}: no JSON body documented")
                continue
            body = content["application/json"].get("schema", {})
            problems += [f"{method.upper()} {path} {status}: {where} is a free-form object"
                         for where in unnamed(schema, body, "body")]
    assert problems == []


def test_every_operation_documents_its_errors(schema):
    """503 everywhere (database or Redis down), 401 wherever a token is needed, 404 wherever the path names
    something, 400 wherever there is input; each with the Error component."""
    missing = []
    for method, path, operation in operations(schema):
        statuses = set(operation["responses"])
        needed = {"503"}
        if {} not in operation.get("security", [{}]):
            needed.add("401")
        if "{" in path:
            needed.add("404")
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            needed.add("400")
        missing += [f"{method.upper()} {path} {status}" for status in sorted(needed - statuses)]
        for status in statuses:
            if status[0] in "45" and (method, path) not in NOT_JSON:
                body = resolve(schema, operation["responses"][status]["content"]["application/json"]["schema"])
                assert {"errmsg", "code"} <= set(body["required"]), (method, path, status)
                code = resolve(schema, body["properties"]["code"])
                assert code is schema["components"]["schemas"]["ErrorCodeEnum"], (method, path, status)
    assert missing == []


def test_the_error_codes_are_published_as_the_error_enum(schema):
    code = resolve(schema, schema["components"]["schemas"]["Error"]["properties"]["code"])
    assert code is schema["components"]["schemas"]["ErrorCodeEnum"]
    assert code["enum"] == [member.value for member in ErrorCode]
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"errmsg", "code"}


def test_every_code_literal_in_the_source_is_an_error_code():
    """A code written as a string where an error is raised or rendered must be one ErrorCode defines (ShopError
    refuses others at run time too, but only on the paths a test happens to run)."""
    from pathlib import Path

    import luffycityapi

    root = Path(luffycityapi.__file__).parent
    pattern = re.compile(r"""(?:\bcode=|"code":\s*|default_code\s*=\s*)["']([a-z0-9_]+)["']""")
    unknown, seen = [], set()
    for source in root.rglob("*.py"):
        if "alipay_sandbox" in source.parts or "migrations" in source.parts:
            continue  # the sandbox speaks Alipay's codes, not the shop's
        for literal in pattern.findall(source.read_text()):
            seen.add(literal)
            if literal not in ErrorCode._value2member_map_:
                unknown.append(f"{source.relative_to(root)}: {literal}")
    assert unknown == []
    assert len(seen) >= 50


def test_the_checked_in_schema_is_up_to_date(tmp_path):
    """frontend/src/api/openapi.yaml is what the SPA (and a generated client) is checked against; a serializer
    change must come with it regenerated."""
    from pathlib import Path

    checked_in = Path(__file__).resolve().parents[2] / "frontend" / "src" / "api" / "openapi.yaml"
    fresh = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(fresh))
    assert checked_in.exists() and checked_in.read_text() == fresh.read_text(), (
        "the API changed: regenerate the checked-in schema with "
        "`.venv/bin/python manage.py spectacular --file frontend/src/api/openapi.yaml`")


def test_the_generated_client_is_up_to_date(tmp_path):
    """frontend/src/api/schema.d.ts (the SPA's generated client types, `npm run gen:api`) is openapi-typescript's
    output for the checked-in schema: a schema change must come with the client regenerated. (npm test checks the
    same in tests/schema-client.test.js, and type-checks the SPA against it.)"""
    import os
    import subprocess
    from pathlib import Path

    frontend = Path(__file__).resolve().parents[2] / "frontend"
    tool = frontend / "node_modules" / ".bin" / "openapi-typescript"
    if not tool.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("frontend/node_modules is not installed (cd frontend && npm ci)")
        pytest.skip("frontend/node_modules is not installed (cd frontend && npm ci)")
    fresh = tmp_path / "schema.d.ts"
    subprocess.run([str(tool), str(frontend / "src" / "api" / "openapi.yaml"), "-o", str(fresh)], cwd=frontend,
                   check=True, capture_output=True, timeout=120)
    assert (frontend / "src" / "api" / "schema.d.ts").read_text() == fresh.read_text(), (
        "the schema changed: regenerate the client with `cd frontend && npm run gen:api`")
