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
# The pip release is the one this ansible-test pins (23.1.2 up to core 2.17, 24.2 from 2.18 on).
pip_version=$("$venv/bin/python" - <<'PY'
import re
from pathlib import Path

import ansible_test

source = (Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", source).group(1))
PY
)
cache=$HOME/.ansible/test/cache
standin=$cache/get_pip_${pip_version//./_}.py
if [ ! -s "$standin" ]; then
  mkdir -p "$cache"
  cat > "$standin" <<PY
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "pip==$pip_version"])
PY
fi
cd "$dest"
git init -q . && git add -A >/dev/null
export PATH="$venv/bin:$PATH"
ansible-test sanity --local --python 3.11 --requirements "$@"
