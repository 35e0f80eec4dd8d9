"""Read an ansible.posix.json callback log; print {host: [names of the tasks that changed it]} as JSON.

With --stats: {"changed": that mapping, "stats": the run's counts by host (ok, changed, unreachable, failures...)}.
With --ran NAME: {host: the task's message (or "")} for the hosts the task NAME ran on (not skipped).
"""

from __future__ import annotations

import json
import sys

changed: dict[str, list[str]] = {}
with open(sys.argv[1], encoding="utf-8") as handle:
    text = handle.read()
# The JSON document, whatever a callback printed around it (the plan printout goes to the screen first).
log, _end = json.JSONDecoder().raw_decode(text[text.index('{\n'):])
for play in log["plays"]:
    for task in play["tasks"]:
        for host, result in task["hosts"].items():
            changed.setdefault(host, [])
            if result.get("changed"):
                changed[host].append(task["task"]["name"])
if sys.argv[2:3] == ["--ran"]:
    print(json.dumps({host: str(result.get("msg", ""))
                      for play in log["plays"] for task in play["tasks"] if task["task"]["name"] == sys.argv[3]
                      for host, result in task["hosts"].items() if not result.get("skipped")}))
elif sys.argv[2:] == ["--stats"]:
    print(json.dumps({"changed": changed, "stats": log["stats"]}))
else:
    print(json.dumps(changed))
