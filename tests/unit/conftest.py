"""Make this checkout importable as ansible_collections.v6kube.cluster (scripts/collections.sh links it)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / ".cache" / "collections"
if not (COLLECTIONS / "ansible_collections" / "v6kube" / "cluster").exists():
    raise RuntimeError("run `make collections` first: .cache/collections is missing")
sys.path.insert(0, str(COLLECTIONS))


# Keys every module or action result may carry without documenting them in RETURN.
COMMON_RESULT_KEYS = {"changed", "failed", "msg", "diff", "warnings", "deprecations", "invocation", "skipped",
                      "_ansible_no_log", "_ansible_verbose_always"}


def _expected(returned: str, outcome: str) -> bool:
    """Whether a key documented as ``returned`` must be in the result of a run ending in ``outcome``
    (``success``, ``check mode`` or ``failure``)."""
    returned = returned.strip().lower()
    if returned == "always":
        return True
    if outcome == "failure":
        return False  # a key documented for failures belongs to one kind of failure; only undocumented ones count
    if not returned.startswith("success"):
        return False
    return outcome == "success" or "not in check mode" not in returned


def _compare(doc: dict, result: dict, outcome: str, where: str) -> None:
    undocumented = sorted(set(result) - set(doc) - (COMMON_RESULT_KEYS if not where else set()))
    # Inside 'contains', a key without 'returned' comes with its parent.
    default = "always" if where and outcome != "failure" else ""
    missing = sorted(key for key, spec in doc.items() if _expected(spec.get("returned", default), outcome)
                     and key not in result)
    if undocumented or missing:
        pytest.fail(f"RETURN{where} and the {outcome} result differ: returned but not documented {undocumented}, "
                    f"documented but not returned {missing}")
    for key, spec in doc.items():
        if "contains" in spec and isinstance(result.get(key), dict):
            _compare(spec["contains"], result[key], "success" if outcome != "failure" else outcome,
                     f"{where}.{key}")


def check_return_documentation(return_yaml: str, result: dict, outcome: str = "success",
                               structured: tuple[str, ...] = ()) -> None:
    """Fail unless every key ``result`` carries is documented in ``return_yaml`` and every key documented for
    this outcome is there (recursively for dicts documented with ``contains``). The keys in ``structured`` are
    dicts with fixed keys: they must be documented with ``contains``."""
    assert outcome in {"success", "check mode", "failure"}
    doc = yaml.safe_load(return_yaml)
    assert isinstance(doc, dict) and doc, "RETURN is empty"
    for key in structured:
        if "contains" not in doc.get(key, {}):
            pytest.fail(f"RETURN documents {key} without 'contains': its keys are not documented")
    _compare(doc, result, outcome, "")


@pytest.fixture()
def return_documented():
    """check_return_documentation, for the plugin tests (tests import no helpers: --import-mode=importlib)."""
    return check_return_documentation
