"""Run a module's main() in-process with given arguments and capture its JSON result."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes


class ModuleExit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


@pytest.fixture()
def run_module(monkeypatch):
    def run(main, args, check_mode=False, diff=False):
        payload = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_remote_tmp="/tmp",
                       _ansible_keep_remote_files=False)
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": payload})))
        monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)

        def exit_json(self, **kwargs):
            raise ModuleExit(dict(kwargs, failed=False))

        def fail_json(self, msg, **kwargs):
            raise ModuleExit(dict(kwargs, failed=True, msg=msg))

        monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
        monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
        with pytest.raises(ModuleExit) as info:
            main()
        return info.value.result

    return run
