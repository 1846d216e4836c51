#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection placed at
# <tmp>/ansible_collections/exchange/firewall (ansible-test refuses symlinks).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
venv=${VENV:-$here/.venv}
work=${SANITY_ROOT:-$here/.cache/sanity}
dest=$work/ansible_collections/exchange/firewall
rm -rf "$dest"
mkdir -p "$dest"
# Tracked and untracked-but-not-ignored files only: what a release would contain.
(cd "$here" && git ls-files -z --cached --others --exclude-standard) | \
  (cd "$here" && xargs -0 cp --parents -t "$dest")
# ansible-test bootstraps pip in its helper venvs with a get-pip script it downloads from a host
# this network does not reach; a stand-in installs the same pip release from the package index.
cache=$HOME/.ansible/test/cache
if [ ! -s "$cache/get_pip_24_2.py" ]; then
  mkdir -p "$cache"
  cat > "$cache/get_pip_24_2.py" <<'PY'
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "pip==24.2"])
PY
fi
cd "$dest"
git init -q . && git add -A >/dev/null
export PATH="$venv/bin:$PATH"
ansible-test sanity --local --python 3.11 --requirements "$@"
