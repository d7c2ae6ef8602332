"""Schemathesis over the shop's own OpenAPI schema (/api/schema/), every operation, anonymous and with a
student's token: whatever it sends, the answer is never a 5xx. In-process against the WSGI app (the real
database and Redis of the run), a bounded number of examples per operation, every failure reported at once.

(Schemathesis' own pytest plugin does not run under pytest 9 yet, so the operations are driven with Hypothesis
directly; the cases and their calls are schemathesis'.)"""
import pytest
import schemathesis
from conftest import bearer
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(240)]

EXAMPLES = 40
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                   phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.fixture
def operations(db):  # fetching the schema goes through the middleware, which may touch the database
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 20, [op.label for op in found]
    return found


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Like Django's test client: the WSGI handler must not close the test's database connection after each
    request (the test's transaction lives on it)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def student(make_user, make_course):
    """A student with courses in the cart and credits, so the authenticated pass goes past empty-state exits."""
    from luffycityapi.apps.cart import store

    user = make_user(credit=200)
    for course in (make_course(price="100.00", credit=100), make_course(price="0.00")):
        store.add(user.id, course.id)
    return user


def _fuzz(operations, headers=None) -> tuple[list[str], int]:
    failures, calls = [], 0
    for operation in operations:
        @BOUNDED
        @given(case=operation.as_strategy())
        def run(case):
            nonlocal calls
            response = case.call(headers=headers)
            calls += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{response.text[:300]}")

        run()
    return failures, calls


def test_anonymous_requests_never_get_a_5xx(operations):
    failures, calls = _fuzz(operations)
    print(f"schemathesis: {calls} calls over {len(operations)} operations")
    assert calls >= len(operations) and failures == []


def test_authenticated_requests_never_get_a_5xx(operations, student):
    failures, calls = _fuzz(operations, {"Authorization": bearer(student)})
    print(f"schemathesis: {calls} calls over {len(operations)} operations")
    assert calls >= len(operations) and failures == []
