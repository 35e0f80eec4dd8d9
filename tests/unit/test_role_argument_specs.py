"""Each role's argument_specs tells the truth about its defaults: what ansible-doc shows is what runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists())


def load(role: str):
    specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    defaults_file = ROOT / "roles" / role / "defaults" / "main.yml"
    defaults = yaml.safe_load(defaults_file.read_text()) or {} if defaults_file.exists() else {}
    options = {}
    for entry in specs.values():
        options.update(entry.get("options") or {})
    return options, defaults


def templated(value) -> bool:
    return isinstance(value, str) and "{{" in value


def test_every_role_has_specs():
    assert ROLES == sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())


@pytest.mark.parametrize("role", ROLES)
def test_documented_defaults_are_the_real_ones(role):
    options, defaults = load(role)
    wrong = {}
    for name, option in options.items():
        if name not in defaults:
            continue
        real = defaults[name]
        if templated(real) or "default" not in option:
            continue
        if option["default"] != real:
            wrong[name] = (option["default"], real)
    assert not wrong, f"argument_specs default != defaults/main.yml: {wrong}"


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_documented(role):
    options, defaults = load(role)
    assert sorted(set(defaults) - set(options)) == []


@pytest.mark.parametrize("role", ROLES)
def test_required_options_have_no_default(role):
    # A required option that defaults/main.yml sets can never be reported missing.
    options, defaults = load(role)
    assert sorted(name for name, option in options.items() if option.get("required") and name in defaults) == []


@pytest.mark.parametrize("role", ROLES)
def test_literal_defaults_are_documented_as_defaults(role):
    options, defaults = load(role)
    missing = sorted(name for name, value in defaults.items()
                     if name in options and value is not None and not templated(value)
                     and "default" not in options[name]
                     and not options[name].get("required"))
    assert missing == [], "document these defaults in argument_specs"
