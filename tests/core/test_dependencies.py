"""The code's dependencies point one way (shared/docs/architecture.md), checked on the import graph rather than by
reading: the contracts in .importlinter (apps in layers, the sandbox apart), no module in a cycle with its own app's
tasks module, and the payment service modules free of anything Alipay's (that lives in providers/alipay.py)."""
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PAYMENTS = ROOT / "luffycityapi" / "apps" / "payments"


def test_the_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), "--config", str(ROOT / ".importlinter"), "--no-cache"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "0 broken" in run.stdout, run.stdout[-3000:] + run.stderr[-2000:]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("luffycityapi", cache_dir=None)  # imports inside functions count too


def test_no_module_is_in_a_cycle_with_its_tasks_module(graph):
    """Tasks import services; nothing a tasks module imports may lead back to it (services queue by name)."""
    tasks_modules = sorted(m for m in graph.modules if m.endswith(".tasks"))
    assert "luffycityapi.apps.payments.tasks" in tasks_modules and "luffycityapi.apps.orders.tasks" in tasks_modules
    cycles = [(tasks, imported) for tasks in tasks_modules
              for imported in graph.find_modules_directly_imported_by(tasks)
              if graph.chain_exists(importer=imported, imported=tasks)]
    assert cycles == []


def test_no_app_imports_another_that_imports_it_back(graph):
    apps = sorted(m for m in graph.find_children("luffycityapi.apps")) + ["luffycityapi.core"]
    cycles = [(a, b) for a in apps for b in apps if a < b
              and graph.chain_exists(importer=a, imported=b, as_packages=True)
              and graph.chain_exists(importer=b, imported=a, as_packages=True)]
    assert cycles == []


# Every payments module but the Alipay provider itself, the registry that lists it, its ViewSet (named by the contract) and the URLs at
# today's alipay/ paths, the key check, and the migrations (history: they name the columns they renamed).
ALIPAY_ALLOWED = {"providers/alipay.py", "providers/registry.py", "views.py", "urls.py", "checks.py"}


def test_the_payment_service_modules_name_nothing_of_alipay():
    modules = [p for p in PAYMENTS.rglob("*.py") if "migrations" not in p.parts
               and p.relative_to(PAYMENTS).as_posix() not in ALIPAY_ALLOWED]
    assert {"events.py", "fulfilment.py", "inbound.py", "outbound.py", "refunds.py", "reconcile.py",
            "selectors.py", "providers/base.py"} <= {p.relative_to(PAYMENTS).as_posix() for p in modules}
    pattern = re.compile(r"alipay|trade_status|ALIPAY_", re.IGNORECASE)
    found = [f"{p.relative_to(PAYMENTS)}:{n}: {line.strip()}" for p in modules
             for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []


# WeChat Pay's provider is the only module that imports its SDK; the service modules name nothing of WeChat either.
WECHAT_ALLOWED = {"providers/wechat.py", "providers/registry.py", "views.py", "urls.py", "checks.py"}


def test_only_the_wechat_provider_imports_wechatpayv3_and_the_services_name_nothing_of_wechat():
    root = PAYMENTS.parents[1]
    importers = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py")
                       if re.search(r"^\s*(from|import)\s+wechatpayv3", p.read_text(), re.MULTILINE))
    assert importers == ["apps/payments/providers/wechat.py"]
    modules = [p for p in PAYMENTS.rglob("*.py") if "migrations" not in p.parts
               and p.relative_to(PAYMENTS).as_posix() not in WECHAT_ALLOWED]
    pattern = re.compile(r"wechat|trade_state|WECHATPAY_", re.IGNORECASE)
    found = [f"{p.relative_to(PAYMENTS)}:{n}: {line.strip()}" for p in modules
             for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []
