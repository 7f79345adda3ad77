#!/usr/bin/env bash
# gimp3_root.sh: build and test the GIMP 3 plug-in in a Debian 13 (trixie) root, from a
# Debian 12 machine (which has no GIMP 3).
#
# Usage: tests/gimp3_root.sh [all|create|build|test|shell]      (default: all)
#   create  make the root once (debootstrap --variant=minbase trixie, then the packages of
#           install-scripts/debian13-packages.txt); later runs reuse it and only install
#           packages added to that list since
#   build   configure (-Dgimp=3) and build the project inside the root
#   test    run the tests that matter on Debian 13 inside the root: the GIMP 3 plug-in
#           through script-fu (tests/gimp3_batch_test.sh, tests/gimp3_hostile_test.sh,
#           tests/gimp3_cycles_test.sh), its dialogs under Xvfb
#           (tests/gimp3_dialog_test.sh) and the core's tests on LibTorch 2.6 and oneDNN 3.7
#   all     create + build + test
#   shell   an interactive shell inside the root, with the mounts below
#
# Environment:
#   NST_TRIXIE_ROOT    the root's folder (default /var/cache/nst-trixie)
#   NST_TRIXIE_MIRROR  Debian mirror (default http://deb.debian.org/debian)
#   NST_BUILD_LOCK     lock file every compilation on this machine takes (default /tmp/nst-build.lock)
#   NST_SHOTS_DIR      a folder inside the root for the dialog test's screenshot (none when unset)
#   NST_ROOT_TESTS     the meson tests that `test` runs, separated by commas (default: the list below)
#
# Inside the root the source tree is a copy at /work/src, brought up to date by content at
# each `build` (files that differ are copied anew, files gone are removed, build folders and
# .git are left out): ninja then rebuilds exactly what changed, whatever the checkout's file
# times say and whichever checkout built last. `test` refuses to run when the copy differs
# from the source (build first). ../shared (when it exists) is mounted read-only at
# /work/shared, so the tests find ../shared as on the host. The build folder is
# /build/<name of the source folder> inside the root and survives between runs (incremental
# builds). /proc and a /dev/shm are mounted for the duration of the run.
#
# Needs root (debootstrap, chroot, mount) and the package debootstrap; exits 77 (skipped)
# with a message when either is missing. The last line of `test` and `all` is
#   gimp3-root: passed=N failed=N skipped=N
# taken from meson's summary inside the root (.ci/run adds it to its own count).
set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
shared=$(cd "$src/.." && pwd)/shared
root=${NST_TRIXIE_ROOT:-/var/cache/nst-trixie}
mirror=${NST_TRIXIE_MIRROR:-http://deb.debian.org/debian}
build_lock=${NST_BUILD_LOCK:-/tmp/nst-build.lock}
packages_file=$src/install-scripts/debian13-packages.txt
build_dir=/build/$(basename "$src")
mode=${1:-all}

say() { printf '%s: %s\n' "$prog" "$*"; }
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }
now() { date +%s; }

case "$mode" in
    all|create|build|test|shell) ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown mode '$mode' (all, create, build, test or shell)" ;;
esac
[[ $(id -u) -eq 0 ]] || skip "$prog needs root (debootstrap, chroot and mount); run it as root"
command -v debootstrap >/dev/null 2>&1 ||
    skip "debootstrap is not installed (apt-get install debootstrap; it is in install-scripts/debian-packages.txt)"
[[ -f "$packages_file" ]] || die "$packages_file not found"

# One run at a time per root (mounts, apt).
mkdir -p "$(dirname -- "$root")"
exec 9>"$root.lock"
flock 9

mounted=()
cleanup() {
    local i
    for (( i = ${#mounted[@]} - 1; i >= 0; i-- )); do
        umount -l "${mounted[$i]}" 2>/dev/null || true
    done
}
trap cleanup EXIT

mount_fresh() {  # mount_fresh TARGET MOUNT-ARGS...: mount there afresh
    local target=$1; shift
    # A mount left there by a run that was killed may be of a folder that is gone (a
    # bind of an earlier ../shared, say): the lock above says no other run uses it.
    while mountpoint -q "$target"; do umount -l "$target"; done
    mkdir -p "$target"
    mount "$@" "$target"
    mounted+=("$target")
}

bind_ro() {  # bind_ro SOURCE TARGET
    mount_fresh "$2" --bind "$1"
    mount -o remount,bind,ro "$2"
}

in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

# The list up to its "# ---" line (what follows is for install.sh's sample only).
packages() { sed -e '/^# ---/,$d' -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$packages_file"; }

create_root() {
    local t0 stamp want
    t0=$(now)
    if [[ ! -f "$root/etc/debian_version" || ! -x "$root/usr/bin/apt-get" ]]; then
        say "creating the Debian 13 root in $root (debootstrap --variant=minbase trixie)"
        rm -rf "$root.partial"
        debootstrap --variant=minbase trixie "$root.partial" "$mirror" >"$root.debootstrap.log" 2>&1 ||
            { tail -20 "$root.debootstrap.log" >&2; die "debootstrap failed (log: $root.debootstrap.log)"; }
        rm -rf "$root"
        mv "$root.partial" "$root"
        say "debootstrap took $(( $(now) - t0 )) s"
    fi
    # The packages are (re)installed when the list changed since the last run.
    want=$(packages | sort | sha256sum | cut -d' ' -f1)
    stamp=$root/var/lib/nst-packages.sha256
    if [[ ! -f "$stamp" || $(cat "$stamp") != "$want" ]]; then
        local t1
        t1=$(now)
        say "installing the packages of $(basename "$packages_file") in the root"
        # Never start services inside the root.
        printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
        chmod 755 "$root/usr/sbin/policy-rc.d"
        mount_fresh "$root/proc" -t proc proc
        mapfile -t pkgs < <(packages)
        in_root apt-get update -q >"$root.apt.log" 2>&1 &&
            in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                "${pkgs[@]}" >>"$root.apt.log" 2>&1 ||
            { tail -30 "$root.apt.log" >&2; die "apt-get in the root failed (log: $root.apt.log)"; }
        in_root apt-get clean
        # The German locale, for the translated dialog's test.
        echo 'de_DE.UTF-8 UTF-8' >"$root/etc/locale.gen"
        in_root locale-gen >>"$root.apt.log" 2>&1 || die "locale-gen in the root failed (log: $root.apt.log)"
        echo "$want" >"$stamp"
        say "installing the packages took $(( $(now) - t1 )) s"
    fi
    say "the root is ready ($(( $(now) - t0 )) s)"
}

mount_all() {
    [[ -f "$root/var/lib/nst-packages.sha256" ]] || die "no root in $root yet: run '$prog create' first"
    mount_fresh "$root/proc" -t proc proc
    if [[ -d "$root/dev/shm" ]] || mkdir -p "$root/dev/shm"; then
        mount_fresh "$root/dev/shm" -t tmpfs -o mode=1777,size=2g tmpfs
    fi
    if [[ -d "$shared" ]]; then
        bind_ro "$shared" "$root/work/shared"
    fi
}

# sync_source [--check]: make the root's /work/src hold exactly the source tree's files
# (contents and modes; new or changed files get the current time), or with --check only
# say whether it does. Prints the number of files copied or removed (or that would be).
sync_source() {
    local check=${1:-} dest=$root/work/src changed=0 f
    # A bind mount of the source there (how earlier versions of this script did it) goes first.
    while mountpoint -q "$dest"; do umount -l "$dest"; done
    mkdir -p "$dest"
    while IFS= read -r -d '' f; do
        if [[ -L "$src/$f" || -L "$dest/$f" ]]; then
            [[ -L "$src/$f" && -L "$dest/$f" && $(readlink "$src/$f") == $(readlink "$dest/$f") ]] && continue
        elif [[ -f "$dest/$f" ]] && cmp -s "$src/$f" "$dest/$f" &&
             [[ $(stat -c %a "$src/$f") == $(stat -c %a "$dest/$f") ]]; then
            continue
        fi
        changed=$((changed + 1))
        [[ -n "$check" ]] && continue
        mkdir -p "$(dirname -- "$dest/$f")"
        rm -rf "${dest:?}/$f"
        cp -P --preserve=mode "$src/$f" "$dest/$f"
    done < <(cd "$src" && find . -mindepth 1 \( -path './build*' -type d -o -path ./.git \) -prune \
                 -o \( -type f -o -type l \) -print0)
    while IFS= read -r -d '' f; do
        [[ -e "$src/$f" || -L "$src/$f" ]] && continue
        changed=$((changed + 1))
        [[ -n "$check" ]] || rm -f "${dest:?}/$f"
    done < <(cd "$dest" && find . \( -type f -o -type l \) -print0)
    [[ -n "$check" ]] || find "$dest" -mindepth 1 -type d -empty -delete
    echo "$changed"
}

build() {
    local t0 n
    t0=$(now)
    mount_all
    n=$(sync_source)
    say "the source in the root: $n file(s) copied or removed"
    if [[ ! -f "$root$build_dir/build.ninja" ]]; then
        rm -rf "${root:?}$build_dir"
        in_root meson setup "$build_dir" /work/src -Dgimp=3 || die "meson setup failed in the root"
    elif ! cmp -s "$root/var/lib/nst-packages.sha256" "$root$build_dir/nst-packages.sha256"; then
        # Packages came or went since this folder was configured: meson's cached
        # checks (found libraries and headers) would still say what was there then.
        in_root meson setup --reconfigure --clearcache "$build_dir" /work/src ||
            die "meson setup --reconfigure failed in the root"
    fi
    cp "$root/var/lib/nst-packages.sha256" "$root$build_dir/nst-packages.sha256"
    # Compilations take the machine-wide build lock (taken here, outside the root).
    say "building in the root: $build_dir (waits for $build_lock)"
    # The VGG and fast-network fixtures (written by python3-torch 2.6) and the random Darknet-tiny
    # are built for the core tests too.
    flock "$build_lock" chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 sh -c "meson compile -C '$build_dir' &&
            meson compile -C '$build_dir' vgg-fixtures fast-fixtures darknet-fixture" ||
        die "the build in the root failed"
    say "the build took $(( $(now) - t0 )) s"
}

# The tests run in the root: the GIMP 3 plug-in end to end, and the core on LibTorch 2.6 and
# oneDNN 3.7 (the direct step's and the fast networks' oneDNN paths included).
root_tests=("gimp3 plug-in batch" "gimp3 plug-in hostile inputs" "gimp3 plug-in cancel cycles" "gimp3 dialogs (Xvfb)"
            "core Losses" "core Pixels" "core VggLoader" "core DarknetLoader" "core Engine" "core Models"
            "core DirectStep" "fast FastLoader" "fast FastMl5" "fast FastInt8" "fast FastTiling" "fast FastModels")

[[ -z "${NST_ROOT_TESTS:-}" ]] || IFS=, read -ra root_tests <<<"$NST_ROOT_TESTS"

run_tests() {
    local t0 log rc counts
    result_line="gimp3-root: passed=0 failed=1 skipped=0"
    t0=$(now)
    mount_all
    [[ $(sync_source --check) -eq 0 ]] ||
        die "the source differs from the root's copy that was built: run '$prog build' first"
    log=$root$build_dir/gimp3-root-test.log
    set +e
    in_root env NST_REQUIRE_SHARED="${NST_REQUIRE_SHARED:-}" NST_SHOTS_DIR="${NST_SHOTS_DIR:-}" \
        meson test -C "$build_dir" --print-errorlogs --no-rebuild "${root_tests[@]}" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    counts=$(awk '
        /^Ok:[[:space:]]+[0-9]+/              { ok = $2; seen = 1 }
        /^Expected Fail:[[:space:]]+[0-9]+/   { xfail = $3 }
        /^Fail:[[:space:]]+[0-9]+/            { fail = $2 }
        /^Unexpected Pass:[[:space:]]+[0-9]+/ { xpass = $3 }
        /^Skipped:[[:space:]]+[0-9]+/         { skipped = $2 }
        /^Timeout:[[:space:]]+[0-9]+/         { timeout = $2 }
        END { if (seen) print ok + xfail, fail + xpass + timeout, skipped + 0; else print "none" }
    ' "$log")
    say "the tests took $(( $(now) - t0 )) s"
    if [[ "$counts" == none ]]; then
        result_line="gimp3-root: passed=0 failed=1 skipped=0"
        return 1
    fi
    local passed failed skipped
    read -r passed failed skipped <<<"$counts"
    if [[ $rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi
    result_line="gimp3-root: passed=$passed failed=$failed skipped=$skipped"
    [[ $failed -eq 0 ]]
}

case "$mode" in
    create) create_root ;;
    build) build ;;
    test)
        rc=0
        run_tests || rc=$?
        echo "$result_line"
        exit $rc
        ;;
    shell) mount_all; sync_source >/dev/null; chroot "$root" /bin/bash -l ;;
    all)
        t_all=$(now)
        create_root
        build
        rc=0
        run_tests || rc=$?
        say "total $(( $(now) - t_all )) s"
        echo "$result_line"
        exit $rc
        ;;
esac
