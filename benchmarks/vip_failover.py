"""API VIP failover on lab control planes (podman hosts): kills of the VIP holder, against a handover measured in the
same run.

Baseline: the holder's keepalived stopped gracefully (it sends priority 0 and a backup takes over at once), the
fastest handover VRRP gives. Then each kill: ``podman kill`` of the current holder, time until the API answers
``/readyz`` through the VIP again; the host started again and, while it comes back, the API polled through the
VIP every 0.2 s (every failed request counted) until its own API server is ready and its health check has had
time to pass; then it must not have taken the VIP back. Every figure is printed, and the kills as ratios of the
baseline. The exit status is 1 when a failover took longer than --max, a request failed while a killed host
came back, or a host took the VIP back.

    python benchmarks/vip_failover.py --kills 20 --vip fd00:40::100 \
        --host v6k-lab-cp1=fd00:40::10 --host v6k-lab-cp2=fd00:40::11 --host v6k-lab-cp3=fd00:40::12 \
        --after-start 'scripts/lab-pod-routing.sh fd00:42::/56'        (the `make demo` cluster)
"""

from __future__ import annotations

import argparse
import ssl
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

_CONTEXT = ssl.create_default_context()
_CONTEXT.check_hostname = False
_CONTEXT.verify_mode = ssl.CERT_NONE  # a readiness probe through an address, not a trust decision


def ready(address: str, timeout: float = 1.0) -> bool:
    """Whether the API server behind ``address`` answers /readyz with ok (anonymous, as keepalived's check)."""
    try:
        with urllib.request.urlopen(f"https://[{address}]:6443/readyz", timeout=timeout, context=_CONTEXT) as reply:
            return reply.read().strip() == b"ok"
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False


def podman(*args: str, check: bool = True) -> str:
    return subprocess.run(["podman", *args], check=check, capture_output=True, text=True).stdout


def holders(hosts: dict[str, str], vip: str) -> list[str]:
    """The hosts that carry the VIP now (running ones; a stopped container carries nothing)."""
    found = []
    for name in hosts:
        if podman("container", "inspect", "-f", "{{.State.Running}}", name, check=False).strip() != "true":
            continue
        if vip in podman("exec", name, "ip", "-6", "-o", "addr", "show", "to", f"{vip}/128", check=False):
            found.append(name)
    return found


def only_holder(hosts: dict[str, str], vip: str) -> str:
    found = holders(hosts, vip)
    if len(found) != 1:
        raise SystemExit(f"vip_failover: expected one holder of {vip}, found {found or 'none'}")
    return found[0]


def wait(predicate, seconds: float, what: str, interval: float = 0.1) -> float:
    """Seconds until ``predicate()`` holds; SystemExit naming ``what`` after ``seconds``."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > seconds:
            raise SystemExit(f"vip_failover: {what} did not happen within {seconds:.0f} s")
        time.sleep(interval)
    return time.monotonic() - start


class Poller(threading.Thread):
    """Asks /readyz through the VIP every 0.2 s until stopped; counts the requests and the failed ones."""

    def __init__(self, vip: str):
        super().__init__(daemon=True)
        self.vip, self.requests, self.failed, self._halt = vip, 0, 0, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.requests += 1
            self.failed += not ready(self.vip, timeout=3.0)
            self._halt.wait(0.2)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def graceful(hosts: dict[str, str], vip: str) -> float:
    """The baseline: keepalived stopped on the holder, seconds until the API answers through the VIP elsewhere."""
    holder = only_holder(hosts, vip)
    podman("exec", holder, "systemctl", "stop", "keepalived")
    start = time.monotonic()
    try:  # systemctl returns once keepalived has removed the VIP: from here, the API answers through a new holder
        wait(lambda: ready(vip, timeout=0.5), 30, "the API answering after a graceful handover", 0.05)
        return time.monotonic() - start
    finally:
        podman("exec", holder, "systemctl", "start", "keepalived")


def kill(hosts: dict[str, str], vip: str, after_start: str, settle: float) -> dict:
    """One kill of the holder and its return; the figures of both."""
    holder = only_holder(hosts, vip)
    wait(lambda: ready(vip), 60, "the API answering through the VIP before the kill")
    podman("kill", holder)
    failover = wait(lambda: ready(vip, timeout=0.5), 120, f"the API answering after {holder} was killed", 0.05)
    new = holders(hosts, vip)
    poller = Poller(vip)
    poller.start()
    try:
        podman("start", holder)
        if after_start:
            subprocess.run(after_start, shell=True, check=True, capture_output=True)
        back = wait(lambda: ready(hosts[holder]), 300, f"{holder}'s own API server answering again", 0.5)
        time.sleep(settle)  # its health check passes meanwhile: a preempting host would take the VIP now
    finally:
        poller.stop()
    return {"killed": holder, "failover": failover, "new_holder": ",".join(new), "back": back,
            "holder_after": ",".join(holders(hosts, vip)), "requests": poller.requests, "failed": poller.failed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vip", required=True)
    parser.add_argument("--host", action="append", required=True, metavar="CONTAINER=ADDRESS",
                        help="a control plane: its podman container and its own address (repeat)")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--graceful", type=int, default=1, help="graceful handovers measured as the baseline")
    parser.add_argument("--max", type=float, default=10.0, help="longest failover accepted, in seconds")
    parser.add_argument("--settle", type=float, default=8.0,
                        help="seconds to keep polling after a killed host's API server answers again")
    parser.add_argument("--after-start", default="", help="a command run after each host is started again")
    args = parser.parse_args(argv)
    hosts = dict(item.split("=", 1) for item in args.host)

    base = [graceful(hosts, args.vip) for _ in range(args.graceful)]
    baseline = statistics.median(base) if base else 0.0
    for i, seconds in enumerate(base, 1):
        print(f"handover {i}: keepalived stopped on the holder, API through the VIP after {seconds:.2f} s")
    problems, times = [], []
    for i in range(1, args.kills + 1):
        r = kill(hosts, args.vip, args.after_start, args.settle)
        times.append(r["failover"])
        ratio = f" ({r['failover'] / baseline:.1f}x the handover)" if baseline else ""
        print(f"kill {i}: {r['killed']} killed, API through the VIP after {r['failover']:.2f} s{ratio} on "
              f"{r['new_holder']}; back {r['back']:.0f} s later, VIP then on {r['holder_after']}, "
              f"{r['failed']} of {r['requests']} requests failed meanwhile", flush=True)
        if r["failover"] > args.max:
            problems.append(f"kill {i}: failover {r['failover']:.2f} s > {args.max} s")
        if r["failed"]:
            problems.append(f"kill {i}: {r['failed']} requests failed while {r['killed']} came back")
        if r["killed"] in r["holder_after"].split(","):
            problems.append(f"kill {i}: {r['killed']} took the VIP back")
    if times:
        print(f"failover over {len(times)} kills: min {min(times):.2f} s, median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s; " + (f"median {statistics.median(times) / baseline:.1f}x the graceful "
                                               f"handover ({baseline:.2f} s)" if baseline else "no baseline"))
    for problem in problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
