"""API VIP failover on lab control planes (podman hosts): kills of the VIP holder, against a handover measured in the
same run.

Baseline: the holder's keepalived stopped gracefully (it sends priority 0 and a backup takes over at once), the
fastest handover VRRP gives, timed from the stop command until the API answers through the VIP. Then each kill:
``podman kill`` of the current holder, time until the API answers
``/readyz`` through the VIP again; the host started again and, while it comes back, the API polled through the
VIP every 0.2 s (every failed request counted) until its own API server is ready and its health check has had
time to pass; then it must not have taken the VIP back. Every figure is printed, and the kills as ratios of the
baseline. The exit status is 1 when a failover took longer than --max, two requests in a row failed while a
killed host came back (one request without an answer within 3 s on two loaded cores is counted and printed, not
taken for an outage), or a host took the VIP back; a slow kill is shown step by step (what the API said through
the VIP and on the new holder's own address, and this machine's neighbour entry for the VIP).

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
import urllib.error
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


def probe(address: str, timeout: float = 1.0) -> str:
    """What the API server behind ``address`` says to /readyz?verbose: ok, the HTTP status and the failed checks,
    or no answer."""
    try:
        with urllib.request.urlopen(f"https://[{address}]:6443/readyz?verbose", timeout=timeout,
                                    context=_CONTEXT) as reply:
            return "ok"
    except urllib.error.HTTPError as exc:
        failed = [line.split()[0][3:] for line in exc.read().decode(errors="replace").splitlines()
                  if line.startswith("[-]")]
        return f"HTTP {exc.code} ({', '.join(failed) or 'no check named'})"
    except Exception:  # noqa: BLE001 - no answer at all
        return "no answer"


def neighbour(address: str) -> str:
    """This machine's neighbour entry for ``address`` (link-layer address and state), as ``ip -6 neigh`` shows it."""
    out = subprocess.run(["ip", "-6", "neigh", "show", address], capture_output=True, text=True,
                         check=False).stdout.split()
    return " ".join(out[out.index("lladdr") + 1:]) if "lladdr" in out else (" ".join(out[1:]) or "none")


def etcd_leader(hosts: dict[str, str]) -> str:
    """The control plane whose etcd member leads, from each member's metrics (``etcd_server_is_leader``, plain HTTP
    on port 2381, which the kubeadm role opens beyond loopback for monitoring); "unknown" when none says so."""
    for name, address in hosts.items():
        try:
            with urllib.request.urlopen(f"http://[{address}]:2381/metrics", timeout=2.0) as reply:
                if any(line.strip() == b"etcd_server_is_leader 1" for line in reply):
                    return name
        except Exception:  # noqa: BLE001 - a member that does not answer does not lead
            continue
    return "unknown"


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
    """Asks /readyz through the VIP every 0.2 s until stopped (a request without "ok" within 3 s fails); counts the
    requests, the failed ones and the longest run of failures in a row."""

    def __init__(self, vip: str):
        super().__init__(daemon=True)
        self.vip, self.requests, self.failed, self._halt = vip, 0, 0, threading.Event()
        self.streak = self.longest = 0

    def run(self) -> None:
        while not self._halt.is_set():
            self.requests += 1
            ok = ready(self.vip, timeout=3.0)
            self.failed += not ok
            self.streak = 0 if ok else self.streak + 1
            self.longest = max(self.longest, self.streak)
            self._halt.wait(0.2)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def graceful(hosts: dict[str, str], vip: str) -> float:
    """The baseline: keepalived stopped on the holder, seconds until the API answers through the VIP elsewhere."""
    holder = only_holder(hosts, vip)
    start = time.monotonic()  # keepalived sends priority 0 as it stops: a backup takes over while it shuts down
    podman("exec", holder, "systemctl", "stop", "keepalived")
    try:
        if holder in holders(hosts, vip):
            raise SystemExit(f"vip_failover: {holder} still holds {vip} after keepalived stopped")
        wait(lambda: ready(vip, timeout=0.5), 30, "the API answering after a graceful handover", 0.05)
        return time.monotonic() - start
    finally:
        podman("exec", holder, "systemctl", "start", "keepalived")


def strike(hosts: dict[str, str], vip: str, probe_timeout: float = 1.0) -> dict:
    """``podman kill`` of the holder; the seconds until the API answers through the VIP again, until another host
    held the VIP, which member led etcd before, and what was seen on the way."""
    holder = only_holder(hosts, vip)
    wait(lambda: ready(vip), 60, "the API answering through the VIP before the kill")
    leader = etcd_leader(hosts)
    podman("kill", holder)
    start = time.monotonic()
    seen: dict[str, float] = {}  # each distinct answer through the VIP, first seen (seconds after the kill)
    moved: list[float] = []      # when another host held the VIP (watched apart: podman exec is slow)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            entry = neighbour(vip)
            seen.setdefault(f"neighbour entry {entry}", time.monotonic() - start)
            others = [h for h in holders(hosts, vip) if h != holder]
            if others and not moved:
                moved.append(time.monotonic() - start)
            for other in others:  # the new holder's API server on its own address: is it the server or the path?
                said = probe(hosts[other], timeout=probe_timeout)
                seen.setdefault(f"{other} on its own address {said}", time.monotonic() - start)
            done.wait(0.1)

    def answered() -> bool:
        said = probe(vip, timeout=probe_timeout)
        seen.setdefault(said, time.monotonic() - start)
        return said == "ok"

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        failover = wait(answered, 120, f"the API answering after {holder} was killed", 0.05)
    finally:
        done.set()
        watcher.join()
    if not moved and any(h != holder for h in holders(hosts, vip)):
        # The API answered through the VIP before the watcher's slow podman exec saw the new holder: the VIP was on
        # another host by then (the killed one answers nothing).
        moved.append(failover)
    macs = {podman("exec", h, "cat", "/sys/class/net/eth0/address", check=False).strip(): h for h in hosts}
    for said in list(seen):
        for mac, name in macs.items():
            if mac and mac in said:
                seen[said.replace(mac, f"{mac} ({name})")] = seen.pop(said)
    steps = ", ".join(f"{said} at {at:.1f} s" for said, at in sorted(seen.items(), key=lambda kv: kv[1]))
    return {"killed": holder, "leader": leader, "failover": failover, "moved": moved[0] if moved else None,
            "new_holder": ",".join(holders(hosts, vip)),
            "steps": (f"VIP on another host at {moved[0]:.1f} s; " if moved else "") + steps}


def kill(hosts: dict[str, str], vip: str, after_start: str, settle: float, probe_timeout: float = 1.0) -> dict:
    """One kill of the holder and its return; the figures of both."""
    result = strike(hosts, vip, probe_timeout)
    holder = result["killed"]
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
    return {**result, "back": back, "holder_after": ",".join(holders(hosts, vip)), "requests": poller.requests,
            "failed": poller.failed, "in_a_row": poller.longest}


def describe(i: int, r: dict, baseline: float) -> str:
    ratio = f" ({r['failover'] / baseline:.1f}x the handover)" if baseline else ""
    moved = f"VIP moved after {r['moved']:.2f} s, " if r["moved"] is not None else "VIP never seen moving, "
    line = (f"kill {i}: {r['killed']} killed (etcd leader before: {r['leader']}), {moved}API through the VIP after "
            f"{r['failover']:.2f} s{ratio} on {r['new_holder']}")
    if "back" in r:
        line += (f"; back {r['back']:.0f} s later, VIP then on {r['holder_after']}, {r['failed']} of {r['requests']} "
                 f"requests failed meanwhile (at most {r['in_a_row']} in a row)")
    return line


def judge(i: int, r: dict, args: argparse.Namespace) -> list[str]:
    problems = []
    if r["failover"] > args.max:
        problems.append(f"kill {i}: failover {r['failover']:.2f} s > {args.max} s")
    if r["moved"] is None or r["moved"] > args.max_move:
        problems.append(f"kill {i}: no other control plane held the VIP within {args.max_move} s")
    if r.get("in_a_row", 0) > 1:
        problems.append(f"kill {i}: {r['in_a_row']} requests in a row failed while {r['killed']} came back "
                        "(an outage, not one slow answer)")
    if r["killed"] in r.get("holder_after", "").split(","):
        problems.append(f"kill {i}: {r['killed']} took the VIP back")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vip", required=True)
    parser.add_argument("--host", action="append", required=True, metavar="CONTAINER=ADDRESS",
                        help="a control plane: its podman container and its own address (repeat)")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--graceful", type=int, default=1, help="graceful handovers measured as the baseline")
    parser.add_argument("--max", type=float, default=10.0,
                        help="longest failover accepted (until the API answers through the VIP), in seconds")
    parser.add_argument("--max-move", type=float, default=10.0,
                        help="longest time accepted until another control plane holds the VIP, in seconds")
    parser.add_argument("--settle", type=float, default=8.0,
                        help="seconds to keep polling after a killed host's API server answers again")
    parser.add_argument("--show-steps", type=float, default=5.0,
                        help="print what the API said, step by step, for kills slower than this many seconds")
    parser.add_argument("--probe-timeout", type=float, default=1.0,
                        help="seconds a request through the VIP may take while a failover is timed")
    parser.add_argument("--after-start", default="", help="a command run after each host is started again")
    parser.add_argument("--leave-down", action="store_true",
                        help="one kill, no baseline, the killed host left down (its name on the last line)")
    args = parser.parse_args(argv)
    hosts = dict(item.split("=", 1) for item in args.host)

    if args.leave_down:
        r = strike(hosts, args.vip, args.probe_timeout)
        print(describe(1, r, 0.0), flush=True)
        if r["failover"] > args.show_steps:
            print(f"  kill 1 step by step: {r['steps']}", flush=True)
        problems = judge(1, r, args)
        for problem in problems:
            print(f"PROBLEM {problem}", file=sys.stderr)
        print(r["killed"])
        return 1 if problems else 0
    base = [graceful(hosts, args.vip) for _round in range(args.graceful)]
    baseline = statistics.median(base) if base else 0.0
    for i, seconds in enumerate(base, 1):
        print(f"handover {i}: keepalived stopped on the holder, API through the VIP after {seconds:.2f} s")
    problems, times = [], []
    for i in range(1, args.kills + 1):
        r = kill(hosts, args.vip, args.after_start, args.settle, args.probe_timeout)
        times.append(r["failover"])
        print(describe(i, r, baseline), flush=True)
        if r["failover"] > args.show_steps:
            print(f"  kill {i} step by step: {r['steps']}", flush=True)
        problems += judge(i, r, args)
    if times:
        versus = (f"median {statistics.median(times) / baseline:.1f}x the graceful handover ({baseline:.2f} s)"
                  if baseline else "no baseline")
        print(f"failover over {len(times)} kills: min {min(times):.2f} s, median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s; {versus}")
    for problem in problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
