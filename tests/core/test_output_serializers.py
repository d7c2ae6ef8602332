"""Issue #17: every response has one output serializer that renders it and documents it. A view answers
`Response(SomeSerializer(obj).data)`; the object it renders is a model instance or a small dataclass that a service
or selector returned, never a dict built for the answer.

Checked on the source (AST), so a new view or service that hand-builds its answer fails here, not in review:
  response   - Response / JsonResponse / get_paginated_response given anything but a serializer's `.data`
  serialize  - a serializer called on a dict built on the spot ({...}, dict(...), a dict comprehension, a name
               bound to one, or a list that rows.append({...}) filled)
  returns    - a service or selector returning a dict literal (or a list of them): an answer assembled below the view
  represents - a serializer's to_representation returning a dict it builds itself instead of its fields' walk
Each exception is in ALLOWED with its reason."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "luffycityapi" / "apps"
SANDBOXES = {"alipay_sandbox", "wechatpay_sandbox"}  # dev/test gateways: they answer in the providers' wire formats

# The modules that answer requests or compute what they answer. payments has no services.py: its services are
# outbound (calls to a provider) and inbound (what a provider tells us); learning's study pages are learning.study,
# the checkout page orders.checkout.
SCANNED_NAMES = ("views.py", "services.py", "selectors.py", "outbound.py", "inbound.py", "study.py", "checkout.py")

RESPONSE_CALLS = {"Response", "JsonResponse", "get_paginated_response"}

# (path relative to the repository, function, rule): why it may.
ALLOWED = {
    ("luffycityapi/core/views.py", "prometheus_metrics", "response"):
        "the 403 of the metrics scrape is the error body: core.errors.error_body is the one builder of "
        "{errmsg, code}, documented by ErrorSerializer (plain Django view: no DRF Response there)",
    ("luffycityapi/apps/courses/views.py", "CourseListView.list", "response"):
        "the cached catalogue: its rows were rendered by CourseSerializer when cached; selectors.render_row only "
        "picks the discount open now (CourseSerializer documents the page)",
    ("luffycityapi/apps/courses/views.py", "CourseDetailView.retrieve", "response"):
        "the cached catalogue: the row was rendered by CourseDetailSerializer when cached; render_row picks the "
        "discount open now",
    ("luffycityapi/apps/courses/views.py", "CategoryListView.list", "response"):
        "the cached catalogue: the categories were rendered by CategorySerializer when cached",
    ("luffycityapi/apps/courses/selectors.py", "catalogue_rows.build", "returns"):
        "the cached catalogue's rows: CourseSerializer's output plus the discount windows render_row reads",
    ("luffycityapi/apps/courses/selectors.py", "CataloguePages.__getitem__.build", "returns"):
        "the cached catalogue's rows: CourseSerializer's output plus the discount windows render_row reads",
    ("luffycityapi/apps/courses/selectors.py", "catalogue_course.build", "returns"):
        "the cached catalogue's row: CourseDetailSerializer's output plus the discount windows render_row reads",
    ("luffycityapi/apps/courses/serializers.py", "CourseSerializer.to_representation", "represents"):
        "speed (the cart and catalogue pages): the same dict as the field walk, proven equal, key order included, "
        "by tests/perf/test_query_counts.py",
    ("luffycityapi/apps/courses/serializers.py", "CourseDetailSerializer.to_representation", "represents"):
        "CourseSerializer's fast dict plus description and the chapters' serializer output (proven equal as above)",
    ("luffycityapi/apps/orders/serializers.py", "OrderCreatedSerializer.to_representation", "represents"):
        "speed (order create is hot): the same dict as the field walk, proven equal by tests/perf/test_query_counts.py",
    ("luffycityapi/apps/orders/serializers.py", "QuoteSerializer.to_representation", "represents"):
        "speed (the quote is asked on every change at checkout): the same dict as the field walk, proven equal by "
        "tests/perf/test_query_counts.py",
    ("luffycityapi/apps/cart/serializers.py", "CartLineSerializer.to_representation", "represents"):
        "a cart line is a catalogue row CourseSerializer rendered when it was cached, plus `selected`",
}


def _is_dict_built(node, *, comprehension: bool = True) -> bool:
    """A dict (or a list of dicts) built on the spot: {...}, dict(...), [{...}, ...], [{...} for ...]; and, with
    `comprehension`, {k: v for ...} (a service may return a lookup table keyed by id: that is no answer)."""
    if isinstance(node, ast.Dict) or (comprehension and isinstance(node, ast.DictComp)):
        return True
    if isinstance(node, (ast.List, ast.ListComp)):
        elements = node.elts if isinstance(node, ast.List) else [node.elt]
        return any(_is_dict_built(e) for e in elements)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _is_serializer_data(node) -> bool:
    """`X(...).data` where X names a serializer (SomeSerializer, self.link_serializer, self.get_serializer)."""
    return (isinstance(node, ast.Attribute) and node.attr == "data" and isinstance(node.value, ast.Call)
            and "serializer" in _callee(node.value).lower())


class _Scan(ast.NodeVisitor):
    def __init__(self, is_service: bool, is_serializers: bool = False):
        self.is_service = is_service
        self.is_serializers = is_serializers
        self.scope: list[str] = []
        self.dict_names: list[set[str]] = [set()]  # per function: names bound to a dict built on the spot
        self.found: list[tuple[str, str, int]] = []  # (function, rule, line)

    def _where(self) -> str:
        return ".".join(self.scope) or "<module>"

    def _scoped(self, node):
        self.scope.append(node.name)
        self.dict_names.append(set())
        self.generic_visit(node)
        self.dict_names.pop()
        self.scope.pop()

    def visit_Assign(self, node):
        if _is_dict_built(node.value):
            self.dict_names[-1].update(t.id for t in node.targets if isinstance(t, ast.Name))
        self.generic_visit(node)

    def visit_Expr(self, node):  # rows.append({...}): `rows` is a list of hand-built dicts
        call = node.value
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "append"
                and isinstance(call.func.value, ast.Name) and call.args and _is_dict_built(call.args[0])):
            self.dict_names[-1].add(call.func.value.id)
        self.generic_visit(node)

    def _built(self, node) -> bool:
        return _is_dict_built(node) or (isinstance(node, ast.Name) and node.id in self.dict_names[-1])

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_Call(self, node):
        name = _callee(node)
        if name in RESPONSE_CALLS:
            body = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "data"), None)
            if body is not None and not _is_serializer_data(body):
                self.found.append((self._where(), "response", node.lineno))
        if name.endswith("Serializer") and node.args and self._built(node.args[0]):
            self.found.append((self._where(), "serialize", node.lineno))
        self.generic_visit(node)

    def visit_Return(self, node):
        if self.is_service and node.value is not None and _is_dict_built(node.value, comprehension=False):
            self.found.append((self._where(), "returns", node.lineno))
        if (self.is_serializers and self.scope and self.scope[-1] == "to_representation" and node.value is not None
                and _is_dict_built(node.value)):
            self.found.append((self._where(), "represents", node.lineno))
        self.generic_visit(node)


def scan_source(source: str, *, is_service: bool = True,
                is_serializers: bool = False) -> list[tuple[str, str, int]]:
    """(function, rule, line) for every hand-built answer in `source`. A function that breaks a rule more than once
    lists it as rule, rule#2, ..., so an allowance covers one place, not a whole function."""
    scan = _Scan(is_service, is_serializers)
    scan.visit(ast.parse(source))
    seen: dict[tuple[str, str], int] = {}
    numbered = []
    for where, rule, line in scan.found:
        seen[where, rule] = seen.get((where, rule), 0) + 1
        count = seen[where, rule]
        numbered.append((where, rule if count == 1 else f"{rule}#{count}", line))
    return numbered


def scanned_files() -> list[Path]:
    files = [ROOT / "luffycityapi" / "core" / "views.py"]
    for app in sorted(p for p in APPS.iterdir() if p.is_dir() and p.name not in SANDBOXES):
        files += [app / name for name in (*SCANNED_NAMES, "serializers.py") if (app / name).exists()]
    return files


def findings() -> dict[tuple[str, str, str], int]:
    found = {}
    for path in scanned_files():
        rel = path.relative_to(ROOT).as_posix()
        kind = {"is_service": path.name not in ("views.py", "serializers.py"),
                "is_serializers": path.name == "serializers.py"}
        for where, rule, line in scan_source(path.read_text(), **kind):
            found[rel, where, rule] = line
    return found


def test_no_view_or_service_hand_builds_an_answer():
    unexplained = [f"{path}:{line} in {where}: {rule}" for (path, where, rule), line in findings().items()
                   if (path, where, rule) not in ALLOWED]
    assert unexplained == [], ("render answers with an output serializer (XSerializer(obj).data) over a model or "
                               "dataclass; or allow the place in ALLOWED with a reason:\n" + "\n".join(unexplained))


def test_every_allowance_is_still_needed():
    """An allowance whose place was converted (or moved) must go, so the list only shrinks."""
    stale = sorted(set(ALLOWED) - set(findings()))
    assert stale == [], f"remove these from ALLOWED: {stale}"


def test_the_scan_covers_every_app_that_answers():
    names = {p.relative_to(APPS).parts[0] for p in scanned_files() if APPS in p.parents}
    assert {"users", "courses", "cart", "coupon", "orders", "payments", "learning", "refund_requests"} <= names


@pytest.mark.parametrize("snippet, rule", [
    ("def get(self, request):\n    return Response({'errmsg': 'ok'})", "response"),
    ("def get(self, request):\n    return Response([{'id': 1}])", "response"),
    ("def get(self, request):\n    return Response(dict(ok=True))", "response"),
    ("def get(self, request):\n    return Response(services.answer(request.user))", "response"),
    ("def get(self, request):\n    return JsonResponse({'ok': True})", "response"),
    ("def get(self, request):\n    return Response(data={'ok': True}, status=201)", "response"),
    ("def get(self, request):\n    return self.get_paginated_response([{'id': r.id} for r in rows])", "response"),
    ("def get(self, request):\n    return Response(FooSerializer({'a': 1}).data)", "serialize"),
    ("def get(self, request):\n    return Response(FooSerializer(dict(a=1)).data)", "serialize"),
    ("def get(self, request):\n    body = {'a': 1}\n    return Response(FooSerializer(body).data)", "serialize"),
    ("def get(self, request):\n    rows = []\n    for r in q:\n        rows.append({'id': r.id})\n"
     "    return Response(FooSerializer(rows, many=True).data)", "serialize"),
    ("def link(order):\n    return {'link': None, 'order_status': order.order_status}", "returns"),
    ("def lines(rows):\n    return [{'id': r.id} for r in rows]", "returns"),
    ("class WalletSerializer(serializers.Serializer):\n    def to_representation(self, wallet):\n"
     "        return {'money': money_str(wallet.money)}", "represents"),
])
def test_the_scan_catches_a_hand_built_answer(snippet, rule):
    serializers = rule == "represents"
    found = scan_source(snippet, is_service=not serializers, is_serializers=serializers)
    assert [rule_found for _where, rule_found, _line in found] == [rule]


@pytest.mark.parametrize("snippet", [
    "def get(self, request):\n    return Response(FooSerializer(services.thing(request.user)).data)",
    "def get(self, request):\n    return Response(self.link_serializer(link).data, status=201)",
    "def get(self, request):\n    return self.get_paginated_response(self.get_serializer(page, many=True).data)",
    "def delete(self, request):\n    return Response(status=204)",
    "def progress(user_id):\n    return {p.lesson_id: p for p in rows}",  # a lookup table, not an answer
])
def test_the_scan_passes_a_serializer_rendered_answer(snippet):
    assert scan_source(snippet) == []
