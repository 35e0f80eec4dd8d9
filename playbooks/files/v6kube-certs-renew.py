"""v6kube.cluster: renew this control plane's certificates (run by playbooks/certificates.yml on each control plane
it renews, one at a time, and by the optional systemd timer it installs).

    python3 v6kube-certs-renew.py --config /etc/v6kube/certs-renew.json [--renew auto|force|never] [--unattended]

The code is the collection's (plugins/module_utils/_certs_renew.py and what it imports), installed next to this
file in the collection's package layout. Prints what it found and did as JSON; exit 1 with the reason otherwise.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ansible_collections.v6kube.cluster.plugins.module_utils import _certs_renew  # noqa: E402  pylint: disable=wrong-import-position


def main(argv=None):
    parser = argparse.ArgumentParser(description="Renew this control plane's certificates.")
    parser.add_argument("--config", required=True, help="JSON settings written by playbooks/certificates.yml")
    parser.add_argument("--renew", choices=["auto", "force", "never"], help="override the settings' mode")
    parser.add_argument("--unattended", action="store_true",
                        help="renew only while every peer's API server is ready (the timer's run)")
    args = parser.parse_args(argv)
    try:
        with open(args.config, encoding="utf-8") as handle:
            settings = _certs_renew.check_settings(json.load(handle))
        result = _certs_renew.renew(settings, args.renew, args.unattended)
    except (_certs_renew.RenewError, OSError, ValueError) as exc:
        print(f"v6kube-certs-renew: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
