#!/usr/bin/env bash
# Installs what the network-firewall tests need beyond the `ansible` 12.3.0 bundle, into a
# git-ignored cache of the checkout (nothing system-wide, nothing in the venv):
#   .cache/vendor/collections/ansible_collections/cisco/asa   cisco.asa 6.1.0, taken from the
#       ansible==11.13.0 wheel on PyPI (the 12.x bundle no longer carries it)
#   .cache/vendor/python   ncclient, xmltodict, jxmlease (Junos NETCONF connection) and
#       pan-os-python (PAN-OS objects rendered to XML offline), with their dependencies
# Idempotent: a stamp with the pinned versions skips work already done. Every download is
# bounded (pip --timeout/--retries, and `timeout` around each step).
# Use: PYTHON=/path/to/venv/bin/python tests/vendor/install-vendor-collections.sh [DEST]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DEST="${1:-${EXFW_VENDOR_DIR:-$ROOT/.cache/vendor}}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"

ANSIBLE_WHEEL="ansible==11.13.0"
ANSIBLE_WHEEL_SHA256="7f1c9c6a6026ff214d9240647e4d2b019b2a9d4c7a2bc733932bcf92af80ab04"
ASA_VERSION="6.1.0"
# Pinned with every dependency (resolved once on Python 3.11; installed with --no-deps).
PY_PACKAGES=(
  ncclient==0.7.1 xmltodict==1.0.4 jxmlease==1.0.3 pan-os-python==1.13.1 pan-python==0.17.0
  paramiko==5.1.0 lxml==6.1.3 bcrypt==5.0.0 pynacl==1.6.2 cryptography==50.0.2 cffi==2.1.1
  pycparser==3.12 invoke==3.0.3
)
STAMP="$DEST/.installed"
WANT="$ANSIBLE_WHEEL $ASA_VERSION ${PY_PACKAGES[*]} $("$PYTHON" -c 'import sys; print(sys.version_info[:2])')"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] \
   && [ -f "$DEST/collections/ansible_collections/cisco/asa/MANIFEST.json" ]; then
  echo "vendor collections and libraries already installed in $DEST"
  exit 0
fi

PIP=("$PYTHON" -m pip --disable-pip-version-check --no-input --timeout 30 --retries 2)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "downloading $ANSIBLE_WHEEL for cisco.asa $ASA_VERSION"
printf '%s --hash=sha256:%s\n' "$ANSIBLE_WHEEL" "$ANSIBLE_WHEEL_SHA256" > "$WORK/ansible.txt"
timeout 300 "${PIP[@]}" download --quiet --no-deps --require-hashes -r "$WORK/ansible.txt" -d "$WORK"
rm -rf "$DEST/collections/ansible_collections/cisco/asa"
mkdir -p "$DEST/collections"
"$PYTHON" - "$WORK" "$DEST/collections" "$ASA_VERSION" <<'PY'
import glob, json, sys, zipfile
work, dest, version = sys.argv[1:]
wheel = zipfile.ZipFile(glob.glob(f"{work}/ansible-*.whl")[0])
prefix = "ansible_collections/cisco/asa/"
for name in wheel.namelist():
    if name.startswith(prefix):
        wheel.extract(name, dest)
found = json.load(open(f"{dest}/{prefix}MANIFEST.json"))["collection_info"]["version"]
if found != version:
    sys.exit(f"cisco.asa {found} in the wheel, expected {version}")
PY

echo "installing ${PY_PACKAGES[*]} into $DEST/python"
rm -rf "$DEST/python"
timeout 600 "${PIP[@]}" install --quiet --no-deps --only-binary=:all: --target "$DEST/python" "${PY_PACKAGES[@]}"
echo "$WANT" > "$STAMP"
echo "installed into $DEST (collections: $DEST/collections, Python libraries: $DEST/python)"
