#!/usr/bin/env bash
# install-plugin.sh: install a built neural-style for the current user (no root needed).
#
# Usage: install-plugin.sh [BUILD_DIR]        (default: ./build)
#
# Installs
#   BUILD_DIR/plugin/gimp2/neural-style (GIMP 2.10 build) or BUILD_DIR/plugin/gimp3/neural-style
#   (GIMP 3 build)  ->  <GIMP profile>/plug-ins/neural-style/neural-style, where the profile is
#                       ${GIMP2_DIRECTORY:-$HOME/.config/GIMP/2.10} for GIMP 2.10 and
#                       ${GIMP3_DIRECTORY:-$HOME/.config/GIMP/3.0} for GIMP 3 (told apart by the
#                       libgimp the executable links)
#   BUILD_DIR/cli/nst              ->  ${PREFIX:-$HOME/.local}/bin/nst
#   BUILD_DIR/po/<lang>/LC_MESSAGES/*.mo  ->  <plug-in folder>/locale/<lang>/LC_MESSAGES/
#                                             (when the translations were built; the plug-in
#                                             looks for a locale/ folder beside itself)
# The feature networks are installed separately: install-scripts/install-models.sh.
set -euo pipefail

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }

case "${1:-}" in
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
esac
[[ $# -le 1 ]] || die "usage: $prog [BUILD_DIR]"

build_dir=${1:-./build}
[[ -d "$build_dir" ]] || die "build folder '$build_dir' not found (build first: meson setup build && meson compile -C build)"

plugin_src=$build_dir/plugin/gimp2/neural-style
[[ -e "$plugin_src" ]] || plugin_src=$build_dir/plugin/gimp3/neural-style
cli_src=$build_dir/cli/nst
[[ -f "$plugin_src" && -x "$plugin_src" ]] || die "no plug-in executable at $plugin_src (was the plug-in built? it needs libgimp2.0-dev)"

# Which GIMP the plug-in was built for (meson option gimp): the libgimp it needs.
if LC_ALL=C readelf -d "$plugin_src" 2>/dev/null | grep -q 'libgimp-3\.0'; then
    gimp_dir=${GIMP3_DIRECTORY:-$HOME/.config/GIMP/3.0}
    gimp_console=(gimp-console-3.0 -i -d -f --quit)
    gimp_name="GIMP 3"
else
    gimp_dir=${GIMP2_DIRECTORY:-$HOME/.config/GIMP/2.10}
    gimp_console=(gimp-console-2.10 -i -d -f -b '(gimp-quit 0)')
    gimp_name="GIMP 2.10"
fi
plugin_dir=$gimp_dir/plug-ins/neural-style
bin_dir=${PREFIX:-$HOME/.local}/bin
locale_dir=$plugin_dir/locale

# A GIMP profile folder that holds nothing but plug-ins/ makes GIMP skip creating the rest
# of the profile on its first start. If there is no profile yet, let GIMP create it first.
if [[ ! -d "$gimp_dir" ]]; then
    if command -v "${gimp_console[0]}" >/dev/null 2>&1; then
        echo "Creating the $gimp_name profile in $gimp_dir (first GIMP start) ..."
        if ! timeout 180 "${gimp_console[@]}" >/dev/null 2>&1; then
            warn "${gimp_console[0]} did not finish cleanly; continuing"
        fi
    else
        warn "$gimp_dir does not exist and ${gimp_console[0]} was not found; creating only its plug-ins folder"
    fi
fi

install -d -m 755 -- "$plugin_dir"
install -m 755 -- "$plugin_src" "$plugin_dir/neural-style"
echo "Installed the plug-in:     $plugin_dir/neural-style ($gimp_name)"

if [[ -f "$cli_src" && -x "$cli_src" ]]; then
    install -d -m 755 -- "$bin_dir"
    install -m 755 -- "$cli_src" "$bin_dir/nst"
    echo "Installed the CLI:         $bin_dir/nst"
    case ":$PATH:" in
        *":$bin_dir:"*) ;;
        *) warn "$bin_dir is not in PATH" ;;
    esac
else
    warn "no CLI at $cli_src; skipped"
fi

n=0
for mo in "$build_dir"/po/*/LC_MESSAGES/*.mo; do
    [[ -f "$mo" ]] || continue
    lang=${mo#"$build_dir"/po/}
    lang=${lang%%/*}
    install -d -m 755 -- "$locale_dir/$lang/LC_MESSAGES"
    install -m 644 -- "$mo" "$locale_dir/$lang/LC_MESSAGES/"
    n=$((n + 1))
done
if (( n > 0 )); then
    echo "Installed $n translation file(s) under $locale_dir"
fi

echo "Restart GIMP to load the plug-in. Feature networks: install-scripts/install-models.sh"
