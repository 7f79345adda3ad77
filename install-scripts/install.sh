#!/usr/bin/env bash
# install.sh: everything a fresh Debian 12 (GIMP 2.10) or Debian 13 (GIMP 3) machine needs, in
# one command.
#   1. installs the Debian packages of this release (install-deps.sh; asks for sudo unless root),
#   2. builds in ./build (meson, release; the plug-in for the GIMP that is installed),
#   3. installs the GIMP plug-in and the `nst` CLI for the current user (install-plugin.sh),
#   4. installs the feature networks and the fast-style networks it can get (install-models.sh: downloads with SHA-256
#      checks; without internet it falls back to a local ../shared/models folder if present),
#   5. runs the main job on sample images that Debian ships: the NASA astronaut portrait
#      (python3-skimage) painted in the style of The Starry Night (opencv-doc), written to
#      ./astronaut-starry-night.png.
# Usage: install-scripts/install.sh            (run from anywhere; builds in the source tree)
set -euo pipefail
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"

step() { printf '\n==== %s\n' "$*"; }

step "1/5 Debian packages"
"$here/install-deps.sh"

step "2/5 build"
[[ -f build/build.ninja ]] || meson setup build
meson compile -C build

step "3/5 plug-in and CLI for $(id -un)"
"$here/install-plugin.sh" build

step "4/5 feature networks and fast-style networks"
if ! "$here/install-models.sh" --download darknet-tiny vgg19 fast-style; then
    if [[ -d "$top/../shared/models" ]]; then
        echo "Download failed; installing the networks found in $top/../shared/models instead."
        "$here/install-models.sh" --from "$top/../shared/models"
    else
        echo "install.sh: could not download the networks (no internet?). Install them later with" >&2
        echo "  install-scripts/install-models.sh --download   or   --from DIR" >&2
        exit 1
    fi
fi
"$here/install-models.sh" --list

step "5/5 sample: astronaut (python3-skimage) in the style of The Starry Night (opencv-doc)"
build/cli/nst transfer \
    --content /usr/lib/python3/dist-packages/skimage/data/astronaut.png \
    --style /usr/share/doc/opencv-doc/examples/data/starry_night.jpg \
    --output astronaut-starry-night.png
echo
echo "Done. Open GIMP and use Filters > Artistic > Neural Style Transfer..., or run"
echo "  nst transfer --content PHOTO --style PAINTING --output OUT.png"
