"""Run a command while /readyz is asked through the API VIP every 0.5 s (2 s timeout each); print the command's
output, then, on the last line, "POLLS FAILED LONGEST": how many requests were made, how many failed and the
longest stretch in seconds without an answer. Exits with the command's status.

    python3 while_polled.py --vip fd00:40::150 -- ansible-playbook ... playbooks/certificates.yml
"""

from __future__ import annotations

import argparse
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

_CONTEXT = ssl.create_default_context()
_CONTEXT.check_hostname = False
_CONTEXT.verify_mode = ssl.CERT_NONE  # a readiness probe through an address, not a trust decision


def ready(address: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"https://[{address}]:{port}/readyz", timeout=2, context=_CONTEXT) as reply:
            return reply.read().strip() == b"ok"
    except Exception:  # noqa: BLE001 - any failure is a failed poll
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vip", required=True)
    parser.add_argument("--port", type=int, default=6443)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    polls: list[tuple[float, bool]] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            polls.append((time.monotonic(), ready(args.vip, args.port)))
            done.wait(0.5)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        finished = subprocess.run(command, check=False)
    finally:
        done.set()
        poller.join()
    longest, since = 0.0, None
    for at, ok in polls:
        if ok:
            if since is not None:
                longest = max(longest, at - since)
            since = None
        elif since is None:
            since = at
    if since is not None:
        longest = max(longest, polls[-1][0] - since)
    sys.stdout.flush()
    print(f"{len(polls)} {sum(not ok for _at, ok in polls)} {longest:.1f}")
    return finished.returncode


if __name__ == "__main__":
    sys.exit(main())
