#!/usr/bin/env bash
# install-deps.sh: install the Debian packages the project needs (non-interactive, without
# recommended packages): install-scripts/debian-packages.txt on Debian 12 (GIMP 2.10),
# install-scripts/debian13-packages.txt on Debian 13 (GIMP 3). Runs apt-get through sudo unless root.
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# Debian 13 (trixie: GIMP 3, LibTorch 2.6) has its own list; NST_PACKAGES_LIST overrides.
list=$here/debian-packages.txt
version_id=$(. /etc/os-release 2>/dev/null && echo "${VERSION_ID:-}")
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
if [[ "$version_id" == 13 || "$codename" == trixie ]]; then list=$here/debian13-packages.txt; fi
list=${NST_PACKAGES_LIST:-$list}
[[ -f "$list" ]] || { echo "install-deps.sh: $list not found" >&2; exit 1; }

mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$list")

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps.sh: run as root or install sudo" >&2; exit 1; }
    sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${packages[@]}"
