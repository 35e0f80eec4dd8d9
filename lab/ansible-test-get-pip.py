"""Stand-in for the pip bootstrap script that ansible-test downloads from ci-files.testing.ansible.com.

That host is not reachable from the lab. ansible-test creates its sanity virtual environments without pip
and runs this file inside them with pip's own arguments (``pip==24.2 --no-setuptools --no-wheel``).
It installs the bundled pip with ensurepip, then the requested pip release from the package index, which
is what the original script does from an embedded copy.
"""

import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + args)
