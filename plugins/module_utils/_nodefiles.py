# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""A node's configuration files and the systemd units they belong to, settled in one pass.

The input says which files must hold what (each naming the units a change of it restarts), and which units must
be enabled and running. The pass decides from the real state: the files' bytes and modes, and what systemd says
of each unit (``systemctl is-enabled`` / ``is-active``). It writes only the files that differ (the collection's
one atomic write), reloads systemd when a unit file or drop-in changed, enables and starts what must be, and
restarts a unit whose file changed (or that the caller names, e.g. after a new binary) only when it runs or must
run, once, after everything else; a unit that re-reads its files on ``systemctl reload`` (a file's ``reloads``)
is reloaded instead when it runs, so it keeps its state (keepalived keeps the VIP).

``decide`` is pure: from the wanted files and units and the observed state to the ordered actions; the module
gathers the state, calls it and carries the actions out.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError

MAX_FILES = 200
MAX_UNITS = 100
MAX_CONTENT = 4 << 20
_UNIT = re.compile(r"[A-Za-z0-9:_.@\\-]{1,250}\.(service|socket|timer|path|mount|target)")
_MODE = re.compile(r"0?[0-7]{3,4}")


class NodeFilesError(ProblemsError):
    subject = "node_files"


@dataclass(frozen=True)
class WantedFile:
    path: str
    content: bytes
    mode: int
    restarts: tuple[str, ...] = ()
    reloads: tuple[str, ...] = ()

    @property
    def is_unit_file(self) -> bool:
        """A file systemd reads as a unit or a drop-in: a change needs ``systemctl daemon-reload``."""
        parent = posixpath.basename(posixpath.dirname(self.path))
        return bool(_UNIT.fullmatch(posixpath.basename(self.path))) or (
            parent.endswith(".d") and bool(_UNIT.fullmatch(parent[:-2])) and self.path.endswith(".conf"))


@dataclass(frozen=True)
class WantedUnit:
    name: str
    enabled: bool | None = None   # None: leave as it is
    started: bool | None = None   # True: running (started if stopped); False: stopped; None: leave


@dataclass(frozen=True)
class Observed:
    """What is on the node: each wanted file's bytes and mode (None: no file), each unit's systemd state."""

    files: Mapping[str, tuple[bytes, int] | None]
    enabled: Mapping[str, str]   # systemctl is-enabled: enabled, disabled, static, masked, not-found, ...
    active: Mapping[str, str]    # systemctl is-active: active, inactive, failed, activating, ...


@dataclass
class Actions:
    write: list[str] = field(default_factory=list)
    chmod: list[str] = field(default_factory=list)
    daemon_reload: bool = False
    enable: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    start: list[str] = field(default_factory=list)
    stop: list[str] = field(default_factory=list)
    restart: list[str] = field(default_factory=list)
    reload: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any((self.write, self.chmod, self.daemon_reload, self.enable, self.disable, self.start, self.stop,
                    self.restart, self.reload))

    def as_dict(self) -> dict[str, Any]:
        return {"written": list(self.write), "modes": list(self.chmod), "daemon_reload": self.daemon_reload,
                "enabled": list(self.enable), "disabled": list(self.disable), "started": list(self.start),
                "stopped": list(self.stop), "restarted": list(self.restart),
                "reloaded": list(self.reload)}


def _mode(value: Any, where: str, problems: list[str]) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0o7777:
        return value
    if isinstance(value, str) and _MODE.fullmatch(value.strip()):
        return int(value.strip(), 8)
    problems.append(f"{where} must be an octal mode such as '0644', got {value!r}")
    return 0


def _bool_or_none(value: Any, where: str, problems: list[str]) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        return value.strip().lower() in ("true", "yes", "on", "1")
    problems.append(f"{where} must be true, false or null, got {value!r}")
    return None


def _entry(item: Any, where: str, keys: set[str], problems: list[str]) -> bool:
    """Whether ``item`` is a mapping (a problem otherwise); unknown keys are reported and do not stop it."""
    if not isinstance(item, Mapping):
        problems.append(f"{where} must be a mapping")
        return False
    unknown = sorted(set(item) - keys)
    if unknown:
        problems.append(f"{where} has unknown keys {', '.join(map(str, unknown))}")
    return True


def unit_names(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    """Systemd unit names from an option (a list); problems are appended naming ``where``."""
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        problems.append(f"{where} must be a list of unit names")
        return ()
    bad = [u for u in value if not isinstance(u, str) or not _UNIT.fullmatch(u)]
    if bad:
        problems.append(f"{where}: {bad[0]!r} is not a systemd unit name (such as containerd.service)")
    return tuple(u for u in value if isinstance(u, str) and _UNIT.fullmatch(u))


def parse(files: Any, units: Any, restart: Any) -> tuple[list[WantedFile], list[WantedUnit], tuple[str, ...]]:
    """The typed input; every problem at once in NodeFilesError, each naming its key."""
    problems: list[str] = []
    wanted_files: list[WantedFile] = []
    wanted_units: list[WantedUnit] = []
    if not isinstance(files, (list, tuple)):
        problems.append(f"files must be a list, got {type(files).__name__}")
        files = []
    if not isinstance(units, (list, tuple)):
        problems.append(f"units must be a list, got {type(units).__name__}")
        units = []
    if len(files) > MAX_FILES or len(units) > MAX_UNITS:
        raise NodeFilesError([f"at most {MAX_FILES} files and {MAX_UNITS} units are supported"])
    seen: set[str] = set()
    for i, item in enumerate(files):
        where = f"files[{i}]"
        if not _entry(item, where, {"path", "content", "mode", "restarts", "reloads"}, problems):
            continue
        path = item.get("path")
        if not isinstance(path, str) or not path.startswith("/") or "\0" in path or path.endswith("/"):
            problems.append(f"{where}.path {path!r} must be the absolute path of a file")
            continue
        path = posixpath.normpath(path)
        where = f"files[{i}] ({path})"
        if path in seen:
            problems.append(f"{where} is listed twice")
        seen.add(path)
        content = item.get("content")
        if not isinstance(content, str):
            problems.append(f"{where}.content must be text")
            continue
        data = content.encode("utf-8")
        if len(data) > MAX_CONTENT:
            problems.append(f"{where}.content is {len(data)} bytes; at most {MAX_CONTENT} are supported")
        mode = _mode(item.get("mode", "0644") if item.get("mode") is not None else "0644", f"{where}.mode", problems)
        restarts = unit_names(item.get("restarts"), f"{where}.restarts", problems)
        reloads = unit_names(item.get("reloads"), f"{where}.reloads", problems)
        wanted_files.append(WantedFile(path=path, content=data, mode=mode, restarts=restarts, reloads=reloads))
    names: set[str] = set()
    for i, item in enumerate(units):
        where = f"units[{i}]"
        if not _entry(item, where, {"name", "enabled", "started"}, problems):
            continue
        name = item.get("name")
        if not isinstance(name, str) or not _UNIT.fullmatch(name):
            problems.append(f"{where}.name {name!r} is not a systemd unit name (such as containerd.service)")
            continue
        if name in names:
            problems.append(f"{where}.name {name} is listed twice")
        names.add(name)
        enabled = _bool_or_none(item.get("enabled"), f"{where}.enabled", problems)
        started = _bool_or_none(item.get("started"), f"{where}.started", problems)
        wanted_units.append(WantedUnit(name=name, enabled=enabled, started=started))
    restart_units = unit_names(restart, "restart", problems)
    if problems:
        raise NodeFilesError(problems)
    return wanted_files, wanted_units, restart_units


def decide(files: Sequence[WantedFile], units: Sequence[WantedUnit], restart: Sequence[str],
           observed: Observed) -> Actions:
    """The actions that bring the node to the wanted state, in the order they are carried out."""
    actions = Actions()
    to_restart: list[str] = []
    to_reload: list[str] = []

    def restart_later(name: str) -> None:
        if name not in to_restart:
            to_restart.append(name)

    for wanted in files:
        have = observed.files.get(wanted.path)
        if have is None or have[0] != wanted.content:
            actions.write.append(wanted.path)
        elif have[1] != wanted.mode:
            actions.chmod.append(wanted.path)
            continue  # a mode alone restarts nothing
        else:
            continue
        actions.daemon_reload |= wanted.is_unit_file
        for name in wanted.restarts:
            restart_later(name)
        to_reload.extend(name for name in wanted.reloads if name not in to_reload)
    for name in restart:
        restart_later(name)
    by_name = {u.name: u for u in units}
    for unit in units:
        state = observed.enabled.get(unit.name, "")
        if unit.enabled is True and state not in ("enabled", "static", "alias", "indirect", "generated"):
            actions.enable.append(unit.name)
        elif unit.enabled is False and state == "enabled":
            actions.disable.append(unit.name)
        running = observed.active.get(unit.name, "") in ("active", "activating", "reloading")
        if unit.started is True and not running:
            actions.start.append(unit.name)
        elif unit.started is False and running:
            actions.stop.append(unit.name)
    for name in to_restart:
        unit = by_name.get(name)
        running = observed.active.get(name, "") in ("active", "activating", "reloading")
        if name in actions.start or name in actions.stop or (unit is not None and unit.started is False):
            continue  # being started anyway (with the new files), or meant to be stopped
        if running or (unit is not None and unit.started is True):
            actions.restart.append(name)
    for name in to_reload:
        # Only a running unit is reloaded: one being started, restarted or stopped reads its files anyway.
        if (observed.active.get(name, "") in ("active", "reloading") and name not in actions.restart
                and name not in actions.stop and not (by_name.get(name) and by_name[name].started is False)):
            actions.reload.append(name)
    return actions
