#!/usr/bin/env bash
# `make docs`: the documentation site of the collection in .cache/docs/html (index.html): the README, and every
# plugin, module and role with its options, examples and return values, rendered by antsibull-docs and Sphinx from
# the documentation the code carries. docs.ansible.com is out of reach here, so references into Ansible's own
# documentation (common return values, configuration settings) stay unresolved: Sphinx prints them as warnings.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$V6K_ROOT"

package_venv=${V6K_ROOT}/.cache/package-venv
scripts/venv.sh "$package_venv" requirements/package.txt
export PATH=$package_venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$V6K_COLLECTIONS

site=${V6K_ROOT}/.cache/docs
src=$site/src
rm -rf "$site"
mkdir -p "$src"
antsibull-docs sphinx-init --use-current --dest-dir "$src" v6kube.cluster > /dev/null
mkdir -p "$src/rst"
chmod og-w "$src/rst"  # antsibull-docs wants the directory writable by its owner only
antsibull-docs --config-file "$src/antsibull-docs.cfg" collection --cleanup everything --use-current \
  --dest-dir "$src/rst" v6kube.cluster > /dev/null

# The README is the front page's first section (Markdown through MyST), with the roles' READMEs it links to; the
# generated pages follow.
cp README.md "$src/rst/readme.md"
for readme in roles/*/README.md; do
  mkdir -p "$src/rst/$(dirname "$readme")"
  cp "$readme" "$src/rst/$readme"
done
printf '\nextensions.append("myst_parser")\nmyst_heading_anchors = 3\n' >> "$src/conf.py"
cat > "$src/rst/index.rst" <<'RST'
v6kube.cluster
==============

.. toctree::
   :maxdepth: 2

   readme
   collections/index

.. toctree::
   :hidden:
   :glob:

   roles/*/README

.. toctree::
   :maxdepth: 1
   :caption: Indexes
   :glob:

   collections/index_*
   collections/environment_variables
RST

sphinx-build -q -b html -c "$src" "$src/rst" "$site/html" 2> "$site/warnings.log" || { cat "$site/warnings.log" >&2; die "sphinx-build failed"; }

# Every plugin, module and role has its page.
pages=$site/html/collections/v6kube/cluster
missing=()
for file in plugins/filter/*.py; do [ -s "$pages/$(basename "$file" .py)_filter.html" ] || missing+=("$file"); done
for file in plugins/modules/*.py; do [ -s "$pages/$(basename "$file" .py)_module.html" ] || missing+=("$file"); done
for dir in roles/*/; do [ -s "$pages/$(basename "$dir")_role.html" ] || missing+=("$dir"); done
[ ${#missing[@]} -eq 0 ] || die "no page for: ${missing[*]}"
log "docs: $site/html/index.html ($(find "$site/html" -name '*.html' | wc -l) pages; $(grep -c WARNING "$site/warnings.log" || true) warnings in $site/warnings.log: references out of the site, to docs.ansible.com and the license files)"
