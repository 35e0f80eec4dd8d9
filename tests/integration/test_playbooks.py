"""The collection's playbooks run by ansible-playbook on the controller.

A wrong plan must stop site.yml before any host is contacted: the example inventory's hosts are
documentation addresses nobody answers on, so any connection attempt would show up as UNREACHABLE.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ansible_run import playbook

ROOT = Path(__file__).resolve().parents[2]


def test_plan_playbook_prints_the_example_plan():
    result = playbook("-i", "inventories/example", "playbooks/plan.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for expected in ("2001:db8:42::/56", "room for 256 nodes", "kubernetes 2001:db8:43::1, DNS 2001:db8:43::a",
                     "API endpoint: [2001:db8:1::100]:6443", "--node-cidr-mask-size-ipv6=64",
                     "apiserver certSANs (15): api.example.com, cp1, cp2, cp3"):
        assert expected in out, out
    assert "UNREACHABLE" not in out


@pytest.mark.parametrize(
    ("extra", "messages"),
    [
        ({"v6kube_service_subnets": ["fd00:10::/104"]},
         ["service_subnets[0] fd00:10::/104 has 24 host bits; kube-apiserver allows at most 20 (use /108 or longer)"]),
        ({"v6kube_pod_subnets": ["2001:db8:42::/56", "10.244.0.0/16"], "v6kube_control_plane_endpoint": "10.0.0.1:6443"},
         ["pod_subnets[1] 10.244.0.0/16 is IPv4 but stack is ipv6", "control_plane_endpoint 10.0.0.1:6443 is IPv4",
          "the plan has 2 problems"]),
        ({"v6kube_service_subnets": ["2001:db8:42::/112"]},
         ["pod_subnets[0] 2001:db8:42::/56 overlaps service_subnets[0] 2001:db8:42::/112"]),
        ({"v6kube_node_count": 300}, ["node_count 300 exceeds the ipv6 capacity"]),
    ],
)
def test_wrong_plan_stops_site_before_any_host_is_touched(extra, messages):
    result = playbook("-i", "inventories/example", "site.yml", "-e", json.dumps(extra))
    assert result.returncode != 0
    out = result.stdout + result.stderr
    for message in messages:
        assert message in out, out
    assert "UNREACHABLE" not in out, out
    assert "Prepare the nodes" not in out, out


def test_example_inventory_is_the_documented_one():
    text = (ROOT / "inventories" / "example" / "group_vars" / "all.yml").read_text(encoding="utf-8")
    for key in ("v6kube_stack", "v6kube_pod_subnets", "v6kube_service_subnets", "v6kube_node_mask_size_ipv6",
                "v6kube_host_subnets", "v6kube_lb_subnets", "v6kube_control_plane_endpoint", "v6kube_cluster_domain"):
        assert f"\n{key}:" in text


# The plan playbook omits every unset input, so the defaults are network_plan's own. These are the plans it
# produced while it still repeated the defaults (ipv6, /64, /24, cluster.local, no host or LB subnets).
EXAMPLE_PLAN = {
    "stack": "ipv6", "families": ["ipv6"], "primary_family": "ipv6", "pod_subnets": ["2001:db8:42::/56"],
    "service_subnets": ["2001:db8:43::/112"], "host_subnets": ["2001:db8:1::/64"], "lb_subnets": ["2001:db8:44::/120"],
    "kubeadm_pod_subnet": "2001:db8:42::/56", "kubeadm_service_subnet": "2001:db8:43::/112",
    "api_service_ips": ["2001:db8:43::1"], "dns_service_ips": ["2001:db8:43::a"], "service_sizes": {"ipv6": 65536},
    "node_mask_sizes": {"ipv6": 64}, "node_capacity": {"ipv6": 256}, "max_nodes": 256,
    "pod_addresses_per_node": {"ipv6": 2**64}, "node_count": 5, "control_plane_endpoint": "[2001:db8:1::100]:6443",
    "control_plane_host": "2001:db8:1::100", "control_plane_port": 6443, "cluster_domain": "cluster.local",
    "controller_manager_args": {"node-cidr-mask-size-ipv6": "64"},
}
UNSET = {"host_subnets": [], "lb_subnets": [], "node_count": 1, "control_plane_endpoint": None,
         "control_plane_host": None, "control_plane_port": None}
MINIMAL_PLAN = dict(EXAMPLE_PLAN, **UNSET)
DUAL_PLAN = dict(
    MINIMAL_PLAN, stack="dual", families=["ipv6", "ipv4"], pod_subnets=["2001:db8:42::/56", "10.244.0.0/16"],
    service_subnets=["2001:db8:43::/112", "10.96.0.0/16"], kubeadm_pod_subnet="2001:db8:42::/56,10.244.0.0/16",
    kubeadm_service_subnet="2001:db8:43::/112,10.96.0.0/16", api_service_ips=["2001:db8:43::1", "10.96.0.1"],
    dns_service_ips=["2001:db8:43::a", "10.96.0.10"], service_sizes={"ipv6": 65536, "ipv4": 65536},
    node_mask_sizes={"ipv6": 64, "ipv4": 24}, node_capacity={"ipv6": 256, "ipv4": 256},
    pod_addresses_per_node={"ipv6": 2**64, "ipv4": 256},
    controller_manager_args={"node-cidr-mask-size-ipv6": "64", "node-cidr-mask-size-ipv4": "24"},
)
ONE_NODE = ("all:\n  children:\n    k8s_cluster:\n      hosts:\n        cp1: {ansible_host: \"2001:db8:1::10\"}\n"
            "  vars:\n")


def resolved_plan(tmp_path: Path, inventory: str) -> dict:
    """v6kube_plan as plan.yml leaves it, written out on the controller (no host is contacted)."""
    dump = tmp_path / "plan.json"
    wrapper = tmp_path / "dump.yml"
    wrapper.write_text(
        "- name: Plan\n"
        f"  ansible.builtin.import_playbook: {ROOT / 'playbooks' / 'plan.yml'}\n"
        "- name: Write the plan\n"
        "  hosts: all\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - name: Write the plan\n"
        "      ansible.builtin.copy: {content: '{{ v6kube_plan | to_json }}', dest: " + str(dump) + ", mode: '0644'}\n"
        "      delegate_to: localhost\n"
        "      run_once: true\n",
        encoding="utf-8",
    )
    result = playbook("-i", inventory, str(wrapper))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "UNREACHABLE" not in result.stdout
    return json.loads(dump.read_text(encoding="utf-8"))


def test_example_plan_is_unchanged(tmp_path):
    assert resolved_plan(tmp_path, "inventories/example") == EXAMPLE_PLAN


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ('    v6kube_pod_subnets: ["2001:db8:42::/56"]\n    v6kube_service_subnets: ["2001:db8:43::/112"]\n',
         MINIMAL_PLAN),
        ('    v6kube_stack: dual\n    v6kube_pod_subnets: ["2001:db8:42::/56", "10.244.0.0/16"]\n'
         '    v6kube_service_subnets: ["2001:db8:43::/112", "10.96.0.0/16"]\n', DUAL_PLAN),
    ],
    ids=["ipv6", "dual"],
)
def test_unset_plan_inputs_take_the_module_defaults(tmp_path, variables, expected):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(ONE_NODE + variables, encoding="utf-8")
    plan = resolved_plan(tmp_path, str(inventory))
    assert plan == expected
    assert plan["node_mask_sizes"]["ipv6"] == 64 and plan["cluster_domain"] == "cluster.local"


def test_missing_subnets_are_reported_with_the_fix(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(ONE_NODE + "    v6kube_stack: ipv6\n", encoding="utf-8")
    result = playbook("-i", str(inventory), "playbooks/plan.yml")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    for message in ("the plan has 2 problems", "pod_subnets is required: give one IPv6 CIDR",
                    "service_subnets is required: give one IPv6 CIDR"):
        assert message in out, out


# The command lines the README, the playbook headers and the role READMEs give: `-e key=value` passes the
# string "true" or "false", and a role must read it as the boolean the operator meant.
@pytest.fixture()
def local_inventory(tmp_path: Path) -> Path:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n"
        "  children:\n"
        "    control_plane:\n"
        "      hosts:\n"
        "        cp1:\n"
        "          ansible_connection: local\n"
        f"          ansible_python_interpreter: {sys.executable}\n"
        "          v6kube_node_addresses: ['2001:db8:1::10']\n",
        encoding="utf-8",
    )
    return inventory


RESTORE_REFUSED = "Restoring etcd replaces the data of the whole cluster with the snapshot's"


def test_etcd_restore_goes_ahead_with_the_documented_confirmation(local_inventory, tmp_path):
    snapshot = tmp_path / "missing" / "etcd-snapshot-20261127T031700Z.db"
    # --check: past the confirmation the role would stage the snapshot under /var/lib/v6kube on this machine.
    result = playbook("-i", str(local_inventory), "playbooks/etcd_restore.yml", "--check",
                      "-e", f"etcd_restore_snapshot={snapshot}", "-e", "etcd_restore_confirm=true")
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert RESTORE_REFUSED not in out, out
    assert "Copy the snapshot and its metadata to the member" in out, out
    assert f"Could not find or access '{snapshot}'" in out, out


@pytest.mark.parametrize(
    ("confirm", "refusal"),
    [
        (None, RESTORE_REFUSED),
        ("false", RESTORE_REFUSED),
        ("no", RESTORE_REFUSED),
        ("0", RESTORE_REFUSED),
        # Not a boolean at all: the role's argument spec stops it first.
        ("maybe", "argument 'etcd_restore_confirm' is of type str and we were unable to convert to bool"),
    ],
)
def test_etcd_restore_is_refused_without_confirmation(local_inventory, tmp_path, confirm, refusal):
    extra = ["-e", f"etcd_restore_confirm={confirm}"] if confirm is not None else []
    # --check all the same: if the refusal broke, nothing on this machine may change.
    result = playbook("-i", str(local_inventory), "playbooks/etcd_restore.yml", "--check",
                      "-e", f"etcd_restore_snapshot={tmp_path / 'snap.db'}", *extra)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert refusal in out, out
    assert "Detect how etcd runs" not in out, out


@pytest.mark.parametrize(("flag", "bridge"), [(None, True), ("true", True), ("false", False), ("no", False)])
def test_sysctl_bridge_netfilter_from_the_command_line(tmp_path, flag, bridge):
    play = tmp_path / "sysctl_vars.yml"
    play.write_text(
        "- hosts: localhost\n"
        "  connection: local\n"
        "  gather_facts: false\n"
        "  vars_files:\n"
        f"    - {ROOT}/roles/sysctl/defaults/main.yml\n"
        f"    - {ROOT}/roles/sysctl/vars/main.yml\n"
        "  tasks:\n"
        "    - name: Show the settings the role would apply\n"
        "      ansible.builtin.debug:\n"
        "        var: __sysctl_effective\n",
        encoding="utf-8",
    )
    extra = ["-e", f"sysctl_bridge_netfilter={flag}"] if flag is not None else []
    result = playbook("-i", "localhost,", str(play), *extra)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "net.ipv6.conf.all.forwarding" in out, out
    assert ("net.bridge.bridge-nf-call-ip6tables" in out) is bridge, out
