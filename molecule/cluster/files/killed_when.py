"""Run a command in a session of its own and kill the whole session (SIGKILL: no handler, no rescue, as when the
controller dies) as soon as a probe command succeeds. The command's output goes to --log. Prints one JSON line:
{"killed": true when the probe succeeded before the command ended, "seconds": when, "rc": the command's status}.
Exits 0 when it was killed, 1 when the command ended (or --timeout passed) first.

    python3 killed_when.py --probe 'podman exec v6k-cp3 test -e /run/frozen' --log run.log -- ansible-playbook ...
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", required=True, help="shell command; its success triggers the kill")
    parser.add_argument("--log", required=True)
    parser.add_argument("--every", type=float, default=0.5)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    start = time.monotonic()
    with open(args.log, "wb") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        killed = False
        while child.poll() is None and time.monotonic() - start < args.timeout:
            if subprocess.run(shlex.split(args.probe), check=False, capture_output=True).returncode == 0:
                os.killpg(child.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(args.every)
        else:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
        rc = child.wait()
    print(json.dumps({"killed": killed, "seconds": round(time.monotonic() - start, 1), "rc": rc}))
    return 0 if killed else 1


if __name__ == "__main__":
    sys.exit(main())
