# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Controller-side glue shared by the filters: check arguments against DOCUMENTATION, turn errors into Ansible errors.

Each filter passes its own DOCUMENTATION to :func:`filter_errors`. The ``options`` there (``type``, ``elements``,
``choices``, ``required``, ``suboptions``) are the checks (a list with ``elements: raw`` and ``suboptions`` takes
strings and mappings of those suboptions): what ``ansible-doc -t filter`` shows is what is
enforced, so the two cannot drift. The checks are about shape (a string where a string is documented, known
keys only, integers of sane size); the core then checks meaning and names the key again.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import yaml
from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import (
    MAX_INT_DIGITS,
    AddressError,
    describe,
    show,
)
from ansible_collections.v6kube.cluster.plugins.module_utils._plan import MAX_PROBLEMS, PlanError

TYPES = ("str", "int", "bool", "list", "dict")
# An integer option also takes its decimal text, as Jinja and ``-e`` often hand it over; prefix lengths may be
# written /64 (the core decides where the slash is allowed and says so).
_INT_TEXT = re.compile(r"\s*/?\s*[+-]?[0-9]+\s*")
_MARKUP = re.compile(r"\b[A-Z]\(([^()]*)\)")


def format_problems(name: str, problems: list[str], total: int | None = None, subject: str = "the plan") -> str:
    """One line for one problem, a bulleted list for several; ``total`` counts problems beyond the list."""
    if len(problems) == 1:
        return f"v6kube.cluster.{name}: {problems[0]}"
    body = "\n".join(f"  - {problem}" for problem in problems)
    count = len(problems) if total is None else total
    return f"v6kube.cluster.{name}: {subject} has {count} problems:\n{body}"


@dataclass
class _Problems:
    listed: list[str] = field(default_factory=list)
    hidden: int = 0

    def add(self, message: str) -> None:
        if len(self.listed) < MAX_PROBLEMS:
            self.listed.append(message)
        else:
            self.hidden += 1

    def report(self) -> list[str]:
        if not self.hidden:
            return list(self.listed)
        return self.listed + [f"... and {self.hidden} more problem(s) not listed (only the first {MAX_PROBLEMS} are)"]


def _summary(option: Mapping[str, Any]) -> str:
    text = option.get("description", "")
    if isinstance(text, list):
        text = text[0] if text else ""
    return _MARKUP.sub(r"\1", str(text)).strip()


def _check(value: Any, option: Mapping[str, Any], path: str, problems: _Problems) -> Any:
    """``value`` checked against one documented option; booleans written as text become booleans."""
    kind = option.get("type", "str")
    if kind == "bool":
        folded = value.lower() if isinstance(value, str) else value
        if isinstance(folded, (str, int)) and folded in BOOLEANS_TRUE:
            return True
        if isinstance(folded, (str, int)) and folded in BOOLEANS_FALSE:
            return False
        problems.add(f"{path} must be true or false, got {describe(value)}")
        return value
    if kind == "list":
        elements = option.get("elements")
        if isinstance(value, str) and elements in (None, "str", "raw"):
            return value  # a comma-separated string; the core splits it
        if not isinstance(value, (list, tuple)):
            kind_of = {None: "", "raw": " of strings and mappings"}.get(elements, f" of {elements}")
            problems.add(f"{path} must be a list{kind_of}, got {describe(value)}")
            return value
        if elements is None:
            return value
        if elements == "raw":
            return [_check_raw(item, option.get("suboptions"), f"{path}[{index}]", problems)
                    for index, item in enumerate(value)]
        member = {"type": elements, "suboptions": option.get("suboptions")}
        return [_check(item, member, f"{path}[{index}]", problems) for index, item in enumerate(value)]
    if kind == "dict":
        if not isinstance(value, Mapping):
            problems.add(f"{path} must be a mapping, got {describe(value)}")
            return value
        odd = [key for key in value if not isinstance(key, str)]
        if odd:
            problems.add(f"keys of {path} must be strings, got {describe(odd[0])}")
            return value
        if option.get("suboptions"):
            return _check_keys(value, option["suboptions"], path, path, problems)
        return value
    if kind == "str":
        if not isinstance(value, str):
            problems.add(f"{path} must be a string, got {describe(value)}")
            return value
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            problems.add(f"{path} must be an integer, got {describe(value)}")
            return value
        if isinstance(value, int) and abs(value) >= 10**MAX_INT_DIGITS:
            problems.add(f"{path} is out of range ({describe(value)}); at most {MAX_INT_DIGITS} digits are accepted")
            return value
        if isinstance(value, str):
            if not _INT_TEXT.fullmatch(value):
                problems.add(f"{path} must be an integer, got {describe(value)}")
                return value
            if sum(ch.isdigit() for ch in value) > MAX_INT_DIGITS:
                problems.add(f"{path} has more than {MAX_INT_DIGITS} digits; give a number in range")
                return value
    else:  # a type this checker does not know: the DOCUMENTATION is wrong, not the input
        raise ValueError(f"{path}: documented type {kind!r} is not one of {', '.join(TYPES)}")
    if "choices" in option and value not in option["choices"]:
        problems.add(f"{path} {show(value)} is not one of {', '.join(map(str, option['choices']))}")
    return value


def _check_raw(value: Any, suboptions: Mapping[str, Any] | None, path: str, problems: _Problems) -> Any:
    """An element of a list documented with ``elements: raw``: a string (the core parses it), or, when the option
    documents ``suboptions``, a mapping of them (its short and its long form, e.g. a CIDR or a named subnet)."""
    if isinstance(value, str) or not suboptions:
        return value
    if isinstance(value, Mapping):
        return _check(value, {"type": "dict", "suboptions": suboptions}, path, problems)
    problems.add(f"{path} must be a string or a mapping ({', '.join(suboptions)}), got {describe(value)}")
    return value


def _check_keys(
    values: Mapping[str, Any], options: Mapping[str, Any], path: str, owner: str, problems: _Problems
) -> dict[str, Any]:
    """A mapping with documented keys: unknown keys, required keys, then each value."""
    prefix = f"{path}." if path else ""
    known = ", ".join(sorted(options))
    for key in sorted(set(values) - set(options)):
        problems.add(f"unknown key {show(key)} in {owner}; known keys are {known}")
    checked = dict(values)
    for key, option in options.items():
        value = values.get(key)
        if value is None:
            if option.get("required"):
                problems.add(f"{prefix}{key} is required: {_summary(option)}")
            continue
        checked[key] = _check(value, option, f"{prefix}{key}", problems)
    return checked


@dataclass(frozen=True)
class Documented:
    """The options of one filter, parsed from its DOCUMENTATION."""

    options: dict[str, Any]
    positional: tuple[str, ...]
    input_name: str

    @classmethod
    def parse(cls, documentation: str, input_name: str) -> Documented:
        doc = yaml.safe_load(documentation)
        positional = tuple(p.strip() for p in str(doc.get("positional") or "").split(",") if p.strip())
        options = doc["options"]
        for opt_name in positional:
            if opt_name not in options:
                raise ValueError(f"positional argument {opt_name} is not documented under options")
        return cls(options, positional, input_name)

    def bind(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """The call's arguments by option name, checked; raises AnsibleFilterError-ready problem lists."""
        problems = _Problems()
        names = ("_input",) + self.positional
        if not args:
            raise _Invalid([f"{self.input_name} is required: {_summary(self.options['_input'])}"])
        if len(args) > len(names):
            raise _Invalid([
                f"takes {len(names) - 1} positional argument(s) ({', '.join(self.positional) or 'none'}) after "
                f"its input, got {len(args) - 1}; pass the others by name"
            ])
        given = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in self.options or key == "_input":
                known = ", ".join(sorted(k for k in self.options if k != "_input"))
                problems.add(f"unknown option {show(key)}; known options are {known}")
            elif key in given:
                problems.add(f"{key} is given twice, by position and by name")
            else:
                given[key] = value
        checked: dict[str, Any] = {}
        for key, option in self.options.items():
            label = self.input_name if key == "_input" else key
            value = given.get(key)
            if value is None:
                if option.get("required"):
                    problems.add(f"{label} is required: {_summary(option)}")
                elif key in given:
                    checked[key] = None
                continue
            if key == "_input" and option.get("type") == "dict" and option.get("suboptions"):
                if not isinstance(value, Mapping):
                    problems.add(f"{label} must be a mapping, got {describe(value)}")
                    continue
                odd = [k for k in value if not isinstance(k, str)]
                if odd:
                    problems.add(f"keys of {label} must be strings, got {describe(odd[0])}")
                    continue
                checked[key] = _check_keys(value, option["suboptions"], "", label, problems)
            else:
                checked[key] = _check(value, option, label, problems)
        if problems.listed:
            raise _Invalid(problems.report(), len(problems.listed) + problems.hidden)
        return checked


class _Invalid(Exception):
    def __init__(self, problems: list[str], total: int | None = None):
        super().__init__("; ".join(problems))
        self.problems = problems
        self.total = len(problems) if total is None else total


def filter_errors(
    name: str, documentation: str | None = None, input_name: str = "the input"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a filter: check its arguments against ``documentation``; invalid input raises AnsibleFilterError.

    The decorated function takes the input first, then the other options by their documented names.
    """
    spec = Documented.parse(documentation, input_name) if documentation is not None else None

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                if spec is None:
                    return func(*args, **kwargs)
                values = spec.bind(args, kwargs)
                value = values.pop("_input")
                return func(value, **values)
            # The core's messages are complete sentences for the operator: no cause is chained to them, so
            # Ansible does not repeat the message (or an ipaddress one) after it.
            except _Invalid as exc:
                raise AnsibleFilterError(format_problems(name, exc.problems, exc.total, "the input")) from None
            except PlanError as exc:
                raise AnsibleFilterError(format_problems(name, exc.problems, exc.total)) from None
            except AddressError as exc:
                raise AnsibleFilterError(f"v6kube.cluster.{name}: {_safe_text(exc)}") from None
            except (TypeError, ValueError) as exc:
                raise AnsibleFilterError(f"v6kube.cluster.{name}: {_safe_text(exc)}") from exc
            except Exception as exc:  # never a traceback for the user; the input is what to look at
                raise AnsibleFilterError(
                    f"v6kube.cluster.{name}: could not process this input ({type(exc).__name__}: {_safe_text(exc)}); "
                    "check it against ansible-doc -t filter v6kube.cluster." + name
                ) from exc

        wrapper.documented = spec  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _safe_text(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a message that cannot be formatted must not hide the error
        return type(exc).__name__
    return text if len(text) <= 2000 else text[:2000] + f"... ({len(text)} characters)"
