# Shared by the GIMP tests (gimp_batch_test.sh, gimp_hostile_test.sh, gimp_cycles_test.sh and gimp_dialog_test.sh for
# GIMP 2.10, gimp3_batch_test.sh, gimp3_hostile_test.sh and gimp3_dialog_test.sh for GIMP 3);
# sourced first; each test then calls begin_gimp_test. The dialog tests
# also define die().
# The dialogs describe their widgets in $ui/<dialog>.txt
# (ui/test_hook_gtk.h): lines
#   widget NAME TYPE x=.. y=.. w=.. h=.. visible=0|1 sensitive=0|1 value=...

# The start of every GIMP test. Skips (exit 77, meson's "skipped") unless every
# TOOL is installed and SHARED (../shared) holds every FILE; a missing ../shared
# fails instead when NST_REQUIRE_SHARED is set. Then sets shared (made
# absolute), tmp (a new folder, removed at exit together with the GIMP and Xvfb
# of gimp_pid and xvfb_pid), ui=$tmp/ui (for NST_UI_TEST_DIR) and a HOME and
# GIMP profile inside tmp: GIMP writes to $HOME/.cache whatever
# GIMP2_DIRECTORY / GIMP3_DIRECTORY say, and the user's profile is never touched.
begin_gimp_test() {  # begin_gimp_test SHARED "TOOL..." FILE...
  local tool file
  for tool in $2; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (install-scripts/install-deps.sh installs it)"; exit 77; }
  done
  for file in "${@:3}"; do
    if [ ! -f "$1/$file" ]; then
      echo "SKIP: $1 is absent (no $file): the real networks and test images live there"
      [ -z "${NST_REQUIRE_SHARED:-}" ] || { echo "FAIL: NST_REQUIRE_SHARED is set, so ../shared must be complete"; exit 1; }
      exit 77
    fi
  done
  shared=$(cd "$1" && pwd)
  tmp=$(mktemp -d)
  ui=$tmp/ui
  gimp_pid=
  xvfb_pid=
  trap end_gimp_test EXIT
  export HOME=$tmp/home GIMP2_DIRECTORY=$tmp/home/gimp-profile GIMP3_DIRECTORY=$tmp/home/gimp-profile
  mkdir -p "$HOME" "$ui"
}
end_gimp_test() {
  if [ -n "$gimp_pid" ] && kill -0 "$gimp_pid" 2>/dev/null; then kill "$gimp_pid" 2>/dev/null || true; fi
  if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$tmp"
}

# The plug-in under test in a plug-in folder of its own, and a gimprc that
# adds it to GIMP's search path ($tmp/gimprc).
private_plugin() {  # private_plugin PLUGIN_EXECUTABLE
  mkdir -p "$tmp/plug-ins/neural-style"
  cp "$1" "$tmp/plug-ins/neural-style/neural-style"
  printf '(plug-in-path "${gimp_plug_in_dir}/plug-ins:%s")\n' "$tmp/plug-ins" > "$tmp/gimprc"
}

# A models folder laid out as install-models.sh installs it, pointing into
# ../shared: Darknet-tiny and the named ml5 fast styles (all five without names).
make_models_folder() {  # make_models_folder SHARED DIR [STYLE...]
  local shared=$1 dir=$2 d
  shift 2
  mkdir -p "$dir/fast-style"
  ln -s "$shared/models/darknet-tiny" "$dir/darknet-tiny"
  if [ $# -eq 0 ]; then
    for d in "$shared"/models/fast-style-ml5/*/; do ln -s "$d" "$dir/fast-style/$(basename "$d")"; done
  else
    for d in "$@"; do ln -s "$shared/models/fast-style-ml5/$d" "$dir/fast-style/$d"; done
  fi
}

# The painting files of the hostile-input tests, in DIR: text.jpg (a text
# file), empty.png, folder.jpg (a folder) and huge.png (a PNG whose header
# claims 100000 x 100000 pixels).
make_hostile_files() {  # make_hostile_files DIR
  echo "this is not a painting" >"$1/text.jpg"
  : >"$1/empty.png"
  mkdir -p "$1/folder.jpg"
  /usr/bin/python3 - "$1/huge.png" <<'EOF'
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
with open(sys.argv[1], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", b"") + chunk(b"IEND", b""))
EOF
}

# Script-fu for GIMP 3: (save-layer LAYER FILE) writes one drawable as PAM
# through a one-layer image (GIMP 3 exports images); PAM holds the pixels and
# no time stamp, so equal pixels give equal files. (n-layers IMAGE) counts the
# image's top-level layers. Every -b runs in a script-fu process of its own:
# each command that uses them starts with these definitions.
save_layer='(define (save-layer layer file)
  (let* ((w (car (gimp-drawable-get-width layer))) (h (car (gimp-drawable-get-height layer)))
         (tmpimg (car (gimp-image-new w h (car (gimp-image-get-base-type (car (gimp-item-get-image layer)))))))
         (copy (car (gimp-layer-new-from-drawable layer tmpimg))))
    (gimp-image-insert-layer tmpimg copy 0 0)
    (gimp-layer-set-offsets copy 0 0)
    (gimp-file-save RUN-NONINTERACTIVE tmpimg file -1)
    (gimp-image-delete tmpimg)))'
n_layers='(define (n-layers img) (vector-length (car (gimp-image-get-layers img))))'

# Script-fu that makes image 1 of the hostile-input and cancel tests: 80 x 60,
# a white "Background" and a gradient "Photo" (RGBA, 40 x 30 at offsets 5, 7),
# then runs BODY with img, bg and src bound. For GIMP 2.10 or 3 (their
# gimp-layer-new take the name at different places).
photo_image() {  # photo_image 2|3 BODY
  local bg='img 80 60 RGB-IMAGE "Background"' src='img 40 30 RGBA-IMAGE "Photo"'
  [ "$1" = 2 ] || { bg='img "Background" 80 60 RGB-IMAGE'; src='img "Photo" 40 30 RGBA-IMAGE'; }
  cat <<EOF
(let* ((img (car (gimp-image-new 80 60 RGB)))
       (bg (car (gimp-layer-new $bg 100 LAYER-MODE-NORMAL)))
       (src (car (gimp-layer-new $src 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img bg 0 0)
  (gimp-image-insert-layer img src 0 0)
  (gimp-drawable-fill bg FILL-WHITE)
  (gimp-layer-set-offsets src 5 7)
  (gimp-context-set-foreground (quote (230 40 20)))
  (gimp-context-set-background (quote (20 60 220)))
  (gimp-drawable-edit-gradient-fill src GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 40 30)
  $2)
EOF
}

# A virtual display of our own (exit 77 = skipped when none can be had).
start_display() {
  local disp= n
  for n in $(seq 91 160); do
    if [ ! -e /tmp/.X$n-lock ] && [ ! -e /tmp/.X11-unix/X$n ]; then disp=$n; break; fi
  done
  [ -n "$disp" ] || { echo "SKIP: no free X display number"; exit 77; }
  Xvfb :$disp -screen 0 1280x1024x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
  xvfb_pid=$!
  export DISPLAY=:$disp
  for _ in $(seq 50); do xdotool getmouselocation >/dev/null 2>&1 && break; sleep 0.1; done
  xdotool getmouselocation >/dev/null 2>&1 || { echo "SKIP: Xvfb did not start"; cat "$tmp/xvfb.log"; exit 77; }
}

# Same pixels (PNG files differ in their metadata).
same_pixels() { [ "$(compare -metric AE "$1" "$2" null: 2>&1)" = 0 ]; }

fail=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || die "timed out waiting for $what"
    # GIMP may end between the two checks: what was awaited counts if it holds now.
    if [ -n "$gimp_pid" ] && ! kill -0 "$gimp_pid" 2>/dev/null; then
      "$@" 2>/dev/null && return 0
      die "GIMP exited while waiting for $what"
    fi
    sleep 0.2
  done
}
line() { grep "^widget $2 " "$ui/$1.txt"; }
has() { line "$1" "$2" >/dev/null; }
value() { line "$1" "$2" | sed 's/^.* value=//'; }
prop() { line "$1" "$2" | grep -o " $3=[^ ]*" | cut -d= -f2; }
window_of() { head -1 "$ui/$1.txt" | cut -d' ' -f2; }
value_is() { [ "$(value "$1" "$2")" = "$3" ]; }
prop_is() { [ "$(prop "$1" "$2" "$3")" = "$4" ]; }
value_matches() { value "$1" "$2" | grep -Eq "$3"; }
iteration_at_least() {  # from "Iteration N of M"
  local n
  n=$(value progress nst-status | sed -n 's/^[^0-9]*\([0-9][0-9]*\) .*/\1/p')
  [ -n "$n" ] && [ "$n" -ge "$1" ]
}
# Real X events: the pointer enters first (GTK 3 takes a click only then).
click_at() {  # click_at WINDOW X Y
  xdotool mousemove --window "$1" "$2" "$3"
  sleep 0.3
  xdotool mousemove --window "$1" $(($2 + 1)) "$3" click 1
}
placed() { [ "$(prop "$1" "$2" x)" -ge 0 ] && [ "$(prop "$1" "$2" visible)" = 1 ]; }
click() {  # click DUMP WIDGET: the middle of the widget (once it is laid out and shown)
  local win x y w h
  wait_for 10 "$2 to be shown" placed "$1" "$2"
  win=$(window_of "$1"); x=$(prop "$1" "$2" x); y=$(prop "$1" "$2" y); w=$(prop "$1" "$2" w); h=$(prop "$1" "$2" h)
  [ "$(prop "$1" "$2" visible)" = 1 ] || die "$2 is not visible"
  click_at "$win" $((x + w / 2)) $((y + h / 2))
}
scroll_down() {  # scroll_down DUMP WIDGET: one wheel step down over the widget (a combo box: the next item)
  local win x y w h
  win=$(window_of "$1"); x=$(prop "$1" "$2" x); y=$(prop "$1" "$2" y); w=$(prop "$1" "$2" w); h=$(prop "$1" "$2" h)
  [ "$(prop "$1" "$2" visible)" = 1 ] || die "$2 is not visible"
  xdotool mousemove --window "$win" $((x + w / 2)) $((y + h / 2))
  sleep 0.3
  xdotool mousemove --window "$win" $((x + w / 2 + 1)) $((y + h / 2)) click 5
}
# Icon views list their items' centres in their value: at=<i>:<x>,<y>;...
item_at() {  # item_at DUMP WIDGET INDEX: "x,y" of the item, or nothing
  { value "$1" "$2" | grep -o "at=.*" | tr ';' '\n' | sed 's/^at=//' | grep "^$3:" | cut -d: -f2; } || true
}
item_shown() { [ -n "$(item_at "$@")" ]; }
click_item() {  # click_item DUMP WIDGET INDEX
  local win x y at
  wait_for 20 "item $3 of $2 to be shown" item_shown "$@"
  win=$(window_of "$1"); x=$(prop "$1" "$2" x); y=$(prop "$1" "$2" y)
  at=$(item_at "$@")
  click_at "$win" $((x + ${at%,*})) $((y + ${at#*,}))
}
# The fast dialog's note on its background renders.
previews_are() { grep -q "$1" "$ui/fast-previews.txt"; }
finish_scenario() { rm -f "$ui"/*.txt; }
