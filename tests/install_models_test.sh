#!/usr/bin/env bash
# install-scripts/install-models.sh without the network: downloads come from
# a file:// mirror of ../shared laid out like the upstream servers.
#   install_models_test.sh SOURCE_ROOT SHARED_DIR
# Checked: a download lands every file with its checksum verified, and a second
# run finds them installed; a file whose bytes differ from the checksum table is
# deleted with the sentence that says so and nothing of it stays; a download
# that fails leaves nothing behind; a models folder that cannot be created or
# written to is refused before anything is fetched; --from and --list; unknown
# names. Exit 77 (meson: skipped) when ../shared or curl is absent.
set -euo pipefail
script=$1/install-scripts/install-models.sh
shared=$2
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
if [ ! -f "$shared/models/darknet-tiny/model.json" ]; then
  echo "SKIP: $shared is absent: the real networks live there"
  [ -z "${NST_REQUIRE_SHARED:-}" ] || { echo "FAIL: NST_REQUIRE_SHARED is set, so ../shared must be complete"; exit 1; }
  exit 77
fi
shared=$(cd "$shared" && pwd)
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
# (A copy: the unprivileged user of the read-only case must be able to read it.)
cp "$script" "$tmp/install-models.sh"
script=$tmp/install-models.sh

fail=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}
# run NAME MODELS_DIR ARGS...: the script's output in $tmp/NAME.out, its exit status in $tmp/NAME.rc.
run() {
  local name=$1 dir=$2
  shift 2
  set +e
  NST_MODELS_DIR=$dir NST_ML5_BASE_URL=file://$tmp/mirror NST_TORCHVISION_BASE_URL=file://$tmp/mirror/torch \
    bash "$script" "$@" >"$tmp/$name.out" 2>&1
  echo $? >"$tmp/$name.rc"
  set -e
  sed "s/^/  [$name] /" "$tmp/$name.out" | tail -4
}
failed() { [ "$(cat "$tmp/$1.rc")" != 0 ]; }
succeeded() { [ "$(cat "$tmp/$1.rc")" = 0 ]; }
says() { grep -qF -- "$2" "$tmp/$1.out"; }
no_leftovers() { [ -z "$(find "$1" -name '*.part.*' 2>/dev/null)" ]; }

# The mirror: ml5's layout (darknetclassifier/darknettiny/...) pointing into ../shared.
mkdir -p "$tmp/mirror/darknetclassifier" "$tmp/mirror/torch"
ln -s "$shared/models/darknet-tiny" "$tmp/mirror/darknetclassifier/darknettiny"
n_files=$(find "$shared/models/darknet-tiny/" -type f | wc -l)

run download "$tmp/models" --download darknet-tiny
check "a download from the mirror succeeds" succeeded download
check "and installs all $n_files files of darknet-tiny" \
  test "$(find "$tmp/models/darknet-tiny" -type f | wc -l)" -eq "$n_files"
check "each one the same as the mirror's" diff -r "$shared/models/darknet-tiny" "$tmp/models/darknet-tiny"
run again "$tmp/models" --download darknet-tiny
check "a second run finds them installed" test "$(grep -c 'already installed (checksum ok)' "$tmp/again.out")" -eq "$n_files"
run list "$tmp/models" --list
check "--list shows it" says list "darknet-tiny"

# A mirror whose model.json differs by one byte from the published file.
mkdir -p "$tmp/bad/darknetclassifier/darknettiny"
cp "$shared"/models/darknet-tiny/* "$tmp/bad/darknetclassifier/darknettiny/"
printf ' ' >>"$tmp/bad/darknetclassifier/darknettiny/model.json"
set +e
NST_MODELS_DIR=$tmp/models2 NST_ML5_BASE_URL=file://$tmp/bad bash "$script" --download darknet-tiny >"$tmp/bad.out" 2>&1
echo $? >"$tmp/bad.rc"
set -e
check "a file that does not match its checksum is refused" failed bad
check "with a sentence naming it" says bad "checksum mismatch for darknet-tiny/model.json (from file://$tmp/bad/darknetclassifier/darknettiny/model.json): expected SHA-256"
check "that says it was deleted" says bad "The new file was deleted; darknet-tiny/model.json was not installed."
check "and it is gone" test ! -e "$tmp/models2/darknet-tiny/model.json"
check "no partial file is left" no_leftovers "$tmp/models2"

# A download that fails (the mirror has no VGG-19).
run missing "$tmp/models3" --download vgg19
check "a failed download is an error" failed missing
check "that names the URL" says missing "download of file://$tmp/mirror/torch/vgg19-dcbb9e9d.pth failed"
check "and leaves nothing" bash -c "[ -z \"\$(find '$tmp/models3' -type f 2>/dev/null)\" ]"

# Models folders that cannot be written.
: >"$tmp/a-file"
run under_file "$tmp/a-file/models" --download darknet-tiny
check "a models folder that cannot be created is refused" failed under_file
check "in a sentence" says under_file "cannot create the models folder '$tmp/a-file/models'"
check "before anything is fetched" bash -c "! grep -q 'downloading' '$tmp/under_file.out'"
mkdir -p "$tmp/readonly"
chmod 555 "$tmp/readonly"
if [ "$(id -u)" = 0 ]; then
  # root may write anywhere: the same as an ordinary user.
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  chmod 755 "$tmp"
else
  as_user=()
fi
set +e
NST_MODELS_DIR=$tmp/readonly NST_ML5_BASE_URL=file://$tmp/mirror "${as_user[@]}" bash "$script" --download darknet-tiny \
  >"$tmp/readonly.out" 2>&1
echo $? >"$tmp/readonly.rc"
set -e
sed 's/^/  [readonly] /' "$tmp/readonly.out" | tail -2
check "a models folder that is not writable is refused" failed readonly
check "in a sentence" says readonly "the models folder '$tmp/readonly' is not writable"
check "before anything is fetched" bash -c "! grep -q 'downloading' '$tmp/readonly.out'"
check "and nothing is written there" test -z "$(ls -A "$tmp/readonly")"

# --from, and wrong arguments.
run from "$tmp/models4" --from "$shared/models"
check "--from a folder laid out like ../shared/models installs darknet-tiny" \
  diff -r "$shared/models/darknet-tiny" "$tmp/models4/darknet-tiny"
mkdir -p "$tmp/empty"
run from_empty "$tmp/models5" --from "$tmp/empty"
check "--from a folder with nothing to install says so" says from_empty "nothing to install found in $tmp/empty"
run unknown "$tmp/models6" --download resnet
check "an unknown model is named" says unknown "unknown model 'resnet' (known: darknet-tiny vgg19 vgg16 vgg19-caffe vgg16-caffe fast-style all)"
exit $fail
