"""v6kube.cluster scheduled etcd backup: the program the etcd_backup role's systemd timer (or cron job) runs.

It takes one verified snapshot with the same code as the v6kube.cluster.etcd_snapshot module
(etcd_backup_core.py next to this file) and the settings the role wrote:

    python3 etcd_backup.py --config /etc/v6kube/etcd-backup.json
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import etcd_backup_core  # noqa: E402  pylint: disable=wrong-import-position


def main(argv=None):
    parser = argparse.ArgumentParser(description="Take a verified etcd snapshot.")
    parser.add_argument("--config", required=True, help="JSON settings written by the etcd_backup role")
    args = parser.parse_args(argv)
    try:
        with open(args.config, encoding="utf-8") as handle:
            cfg = etcd_backup_core.config_from(json.load(handle))
        result = etcd_backup_core.backup(cfg)
    except (etcd_backup_core.BackupError, OSError, ValueError) as exc:
        print(f"etcd backup failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
