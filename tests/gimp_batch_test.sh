#!/usr/bin/env bash
# End-to-end test of the GIMP 2.10 plug-in through script-fu in batch mode:
#   gimp_batch_test.sh PLUGIN_EXECUTABLE SHARED_DIR
# A generated image with three layers; plug-in-neural-style on the middle one
# must add one layer directly above it with the same size and offsets and
# different pixels, and leave the source untouched. A missing style file must
# fail with the engine's message and add no layer. The same for
# plug-in-neural-style-fast (an installed style by name and a network folder by
# path), plus: strength 0 gives the source's pixels, preserve-colors keeps the
# source's colours, an unknown style or a bad strength fails without a layer.
# Exit 77 (meson: skipped) when GIMP or ../shared is absent.
set -euo pipefail
plugin=$1
shared=$2
# shellcheck source=gimp_test_lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/gimp_test_lib.sh"
begin_gimp_test "$shared" "gimp-console-2.10" models/darknet-tiny/model.json models/fast-style-ml5/wave/manifest.json
private_plugin "$plugin"
# The default network (model-file "") and the fast style "wave" come from a
# models folder laid out as install-models.sh installs it.
make_models_folder "$shared" "$tmp/models" wave
export NST_MODELS_DIR=$tmp/models
style=$shared/testdata/style/starry_night.jpg

run_gimp() {
  timeout 600 gimp-console-2.10 -i -d -f --gimprc "$tmp/gimprc" "$@" -b '(gimp-quit 0)' >"$tmp/out.txt" 2>&1 || true
  cat "$tmp/out.txt"
}

# Image 1: white background, a gradient "Photo" layer at offsets (10, 5), a "Top" layer.
setup='(let* ((img (car (gimp-image-new 120 90 RGB)))
       (bg (car (gimp-layer-new img 120 90 RGB-IMAGE "Background" 100 LAYER-MODE-NORMAL)))
       (src (car (gimp-layer-new img 80 60 RGBA-IMAGE "Photo" 100 LAYER-MODE-NORMAL)))
       (top (car (gimp-layer-new img 30 20 RGBA-IMAGE "Top" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img bg 0 0)
  (gimp-image-insert-layer img src 0 0)
  (gimp-image-insert-layer img top 0 0)
  (gimp-drawable-fill bg FILL-WHITE)
  (gimp-layer-set-offsets src 10 5)
  (gimp-context-set-foreground (quote (230 40 20)))
  (gimp-context-set-background (quote (20 60 220)))
  (gimp-drawable-edit-gradient-fill src GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 80 60)
  (file-png-save RUN-NONINTERACTIVE img src "'$tmp'/before.png" "before.png" 0 9 0 0 0 0 0)
  (gimp-message (string-append "SETUP image=" (number->string img) " src=" (number->string src))))'

call='(let* ((img 1) (src (car (gimp-image-get-layer-by-name img "Photo")))
       (n0 (car (gimp-image-get-layers img)))
       (new (car (plug-in-neural-style RUN-NONINTERACTIVE img src "'$style'" "" 25 64 -1 -1 -1 0 0 "" 0 "" "" 0 0)))
       (hs (gimp-drawable-histogram src HISTOGRAM-VALUE 0 1))
       (hn (gimp-drawable-histogram new HISTOGRAM-VALUE 0 1)))
  (file-png-save RUN-NONINTERACTIVE img src "'$tmp'/after.png" "after.png" 0 9 0 0 0 0 0)
  (file-png-save RUN-NONINTERACTIVE img new "'$tmp'/new.png" "new.png" 0 9 0 0 0 0 0)
  (gimp-message (string-append "RESULT layers=" (number->string n0) "->" (number->string (car (gimp-image-get-layers img)))
    " newpos=" (number->string (car (gimp-image-get-item-position img new)))
    " srcpos=" (number->string (car (gimp-image-get-item-position img src)))
    " name=" (car (gimp-item-get-name new))
    " size=" (number->string (car (gimp-drawable-width new))) "x" (number->string (car (gimp-drawable-height new)))
    " offsets=" (number->string (car (gimp-drawable-offsets new))) "," (number->string (cadr (gimp-drawable-offsets new)))
    " srcmean=" (number->string (car hs)) " newmean=" (number->string (car hn))
    " srcstd=" (number->string (cadr hs)) " newstd=" (number->string (cadr hn)))))'

# plug-in-neural-style-fast: one call per variant; each reports the new layer's
# position, name, size and offsets, and saves its pixels.
fast() {  # fast TAG MODEL STRENGTH PRESERVE SIZE
  echo '(let* ((img 1) (src (car (gimp-image-get-layer-by-name img "Photo")))
       (n0 (car (gimp-image-get-layers img)))
       (new (car (plug-in-neural-style-fast RUN-NONINTERACTIVE img src "'"$2"'" '"$3 $4 $5"' 0)))
       (v (gimp-drawable-histogram new HISTOGRAM-VALUE 0 1)))
  (file-png-save RUN-NONINTERACTIVE img new "'"$tmp/$1"'.png" "x.png" 0 9 0 0 0 0 0)
  (gimp-message (string-append "'"$1"' layers=" (number->string n0) "->" (number->string (car (gimp-image-get-layers img)))
    " above=" (number->string (- (car (gimp-image-get-item-position img src)) (car (gimp-image-get-item-position img new))))
    " size=" (number->string (car (gimp-drawable-width new))) "x" (number->string (car (gimp-drawable-height new)))
    " offsets=" (number->string (car (gimp-drawable-offsets new))) "," (number->string (cadr (gimp-drawable-offsets new)))
    " std=" (number->string (cadr v))
    " name=" (car (gimp-item-get-name new))))
  (gimp-image-remove-layer img new))'
}
fast_unknown='(plug-in-neural-style-fast RUN-NONINTERACTIVE 1 (car (gimp-image-get-layer-by-name 1 "Photo")) "no-such-style" 100 0 0 0)'
fast_strength='(plug-in-neural-style-fast RUN-NONINTERACTIVE 1 (car (gimp-image-get-layer-by-name 1 "Photo")) "wave" 150 0 0 0)'

# plug-in-neural-style2 (all parameters): an elliptical feathered selection
# on the source, the layer's own size (output-size -1), luminance-only colours.
# The new layer covers the selection's bounds and gets a mask equal to the
# selection there; the selection is saved to compare.
masked='(let* ((img 1) (src (car (gimp-image-get-layer-by-name img "Photo"))))
  (gimp-image-select-ellipse img CHANNEL-OP-REPLACE 25 15 50 36)
  (gimp-selection-feather img 10)
  (let* ((sel (car (gimp-selection-save img)))
         (n0 (car (gimp-image-get-layers img)))
         (new (car (plug-in-neural-style2 RUN-NONINTERACTIVE img src "'$style'" "" 20 48 -1 -1 -1 0 0 "" 0 "" "" 0 0
                                          -1 10 0 100 1 1 "" "" 1)))
         (mask (car (gimp-layer-get-mask new))))
    (file-png-save RUN-NONINTERACTIVE img sel "'$tmp'/selection.png" "s.png" 0 9 0 0 0 0 0)
    (file-png-save RUN-NONINTERACTIVE img mask "'$tmp'/mask.png" "m.png" 0 9 0 0 0 0 0)
    (file-png-save RUN-NONINTERACTIVE img new "'$tmp'/masked.png" "n.png" 0 9 0 0 0 0 0)
    (gimp-message (string-append "MASKED layers=" (number->string n0) "->" (number->string (car (gimp-image-get-layers img)))
      " mask=" (number->string mask)
      " size=" (number->string (car (gimp-drawable-width new))) "x" (number->string (car (gimp-drawable-height new)))
      " offsets=" (number->string (car (gimp-drawable-offsets new))) "," (number->string (cadr (gimp-drawable-offsets new)))))
    (gimp-image-remove-channel img sel)
    (gimp-image-remove-layer img new)
    (gimp-selection-none img)))'
# A rectangular selection: no mask (the layer is the rectangle).
rect='(let* ((img 1) (src (car (gimp-image-get-layer-by-name img "Photo"))))
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 20 10 40 30)
  (let ((new (car (plug-in-neural-style2 RUN-NONINTERACTIVE img src "'$style'" "" 3 48 -1 -1 -1 0 0 "" 0 "" "" 0 0
                                          0 0 0 100 0 1 "" "" 1))))
    (gimp-message (string-append "RECT mask=" (number->string (car (gimp-layer-get-mask new)))
      " size=" (number->string (car (gimp-drawable-width new))) "x" (number->string (car (gimp-drawable-height new)))))
    (gimp-image-remove-layer img new)
    (gimp-selection-none img)))'
# Several paintings: a missing second one is named; a wrong number of weights too.
more_missing='(plug-in-neural-style2 RUN-NONINTERACTIVE 1 (car (gimp-image-get-layer-by-name 1 "Photo")) "'$style'" "" 3 48 -1 -1 -1 0 0 "" 0 "" "" 0 0 0 0 0 100 0 1 "/nonexistent/second.jpg" "" 1)'
more_weights='(plug-in-neural-style2 RUN-NONINTERACTIVE 1 (car (gimp-image-get-layer-by-name 1 "Photo")) "'$style'" "" 3 48 -1 -1 -1 0 0 "" 0 "" "" 0 0 0 0 0 100 0 1 "'$style'" "1,2,3" 1)'
# A 30000 x 30000 layer (GIMP keeps it sparse) at its own size cannot fit in
# any machine of today: refused before any pixel is read.
huge='(let* ((img (car (gimp-image-new 30000 30000 RGB)))
       (big (car (gimp-layer-new img 30000 30000 RGB-IMAGE "Huge" 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img big 0 0)
  (plug-in-neural-style2 RUN-NONINTERACTIVE img big "'$style'" "" 3 512 -1 -1 -1 0 0 "" 0 "" "" 0 0 -1 0 0 100 0 1 "" "" 1))'
huge_count='(gimp-message (string-append "HUGE layers=" (number->string (car (gimp-image-get-layers 2)))))'

missing='(plug-in-neural-style RUN-NONINTERACTIVE 1 (car (gimp-image-get-layer-by-name 1 "Photo")) "/nonexistent/painting.jpg" "" 5 64 -1 -1 -1 0 0 "" 0 "" "" 0 0)'
count='(gimp-message (string-append "COUNT layers=" (number->string (car (gimp-image-get-layers 1)))))'
cleanup='(gimp-image-delete 1)'

out=$(run_gimp -b "$setup" -b "$call" -b "$missing" -b "$count" \
  -b "$(fast FASTNAME wave 100 0 0)" -b "$(fast FASTPATH "$shared/models/fast-style-ml5/wave" 100 0 0)" \
  -b "$(fast FASTZERO wave 0 0 0)" -b "$(fast FASTKEEP wave 100 1 0)" -b "$(fast FASTSIZE wave 100 0 64)" \
  -b "$fast_unknown" -b "$fast_strength" -b "$count" \
  -b "$masked" -b "$rect" -b "$more_missing" -b "$more_weights" -b "$count" -b "$huge" -b "$huge_count" \
  -b "$cleanup" -b '(gimp-image-delete 2)')
result=$(grep -o 'RESULT .*' <<<"$out" || true)
echo "$result"
field() { grep -o "$1=[^ ]*" <<<"$result" | cut -d= -f2; }
check "plug-in returned a layer" test -n "$result"
check "one layer added (3 -> 4)" test "$(field layers)" = "3->4"
check "new layer directly above the source" test "$(( $(field srcpos) - $(field newpos) ))" = 1
check "new layer named after the style" test "$(grep -o 'name=.*(neural style)' <<<"$result")" = "name=Starry Night (neural style)"
check "same size as the source" test "$(field size)" = "80x60"
check "same offsets as the source" test "$(field offsets)" = "10,5"
check "source pixels unchanged" cmp -s "$tmp/before.png" "$tmp/after.png"
check "new layer's pixels differ from the source" bash -c "! cmp -s '$tmp/before.png' '$tmp/new.png'"
# Stylisation changes the value statistics, not only a few bytes.
check "value statistics changed" awk -v a="$(field srcmean)" -v b="$(field newmean)" -v c="$(field srcstd)" -v d="$(field newstd)" \
  'BEGIN { dm = a - b; ds = c - d; exit !((dm < 0 ? -dm : dm) + (ds < 0 ? -ds : ds) > 3) }'
check "missing style file: script-fu error carries the message" \
  grep -q "plug-in-neural-style failed: .*cannot open image '/nonexistent/painting.jpg'" <<<"$out"
check "missing style file: no layer added" grep -q "COUNT layers=4" <<<"$out"
# plug-in-neural-style-fast
ffield() { grep -o "$1 .*" <<<"$out" | head -1 | grep -o "$2=[^ ]*" | cut -d= -f2; }
grep -o 'FAST[A-Z]* .*' <<<"$out" || true
check "fast: returns a layer, one layer added (4 -> 5)" test "$(ffield FASTNAME layers)" = "4->5"
check "fast: new layer directly above the source" test "$(ffield FASTNAME above)" = 1
check "fast: layer named after the style" grep -q "FASTNAME .*name=Wave (fast style)" <<<"$out"
check "fast: same size and offsets as the source" test "$(ffield FASTNAME size) $(ffield FASTNAME offsets)" = "80x60 10,5"
check "fast: pixels differ from the source" bash -c "! cmp -s '$tmp/before.png' '$tmp/FASTNAME.png'"
# (Equal up to 8-bit rounding: parallel sums may add in another order.)
check "fast: a network folder by path gives the same pixels as by name" /usr/bin/python3 -c '
import sys, numpy as np
from skimage.io import imread
d = np.abs(imread(sys.argv[1]).astype(int) - imread(sys.argv[2]).astype(int))
print("by name vs by path: max diff %d, mean %.4f" % (d.max(), d.mean()))
sys.exit(0 if d.max() <= 2 and d.mean() < 0.05 else 1)' "$tmp/FASTNAME.png" "$tmp/FASTPATH.png"
check "fast: strength 0 gives exactly the source's pixels" cmp -s "$tmp/before.png" "$tmp/FASTZERO.png"
# Colour: mean |chroma difference| (Rec. 709 Cb/Cr, 0..255) to the source, per pixel.
chroma() {
  /usr/bin/python3 -c '
import sys, numpy as np
from skimage.io import imread
def cbcr(p):
    a = imread(p)[..., :3].astype(float)
    y = a @ [0.2126, 0.7152, 0.0722]
    return np.stack([a[..., 2] - y, a[..., 0] - y])
print("%.2f" % np.abs(cbcr(sys.argv[1]) - cbcr(sys.argv[2])).mean())' "$tmp/before.png" "$1"
}
keep_d=$(chroma "$tmp/FASTKEEP.png") plain_d=$(chroma "$tmp/FASTNAME.png")
# The same against the source's pixels under a smaller layer at OFFSETS (image
# coordinates; the source is at 10,5).
chroma_at() {  # chroma_at FILE X,Y WxH
  /usr/bin/python3 -c '
import sys, numpy as np
from skimage.io import imread
x, y = (int(v) - o for v, o in zip(sys.argv[3].split(","), (10, 5)))
w, h = (int(v) for v in sys.argv[4].split("x"))
def cbcr(a):
    a = a[..., :3].astype(float)
    yy = a @ [0.2126, 0.7152, 0.0722]
    return np.stack([a[..., 2] - yy, a[..., 0] - yy])
src = imread(sys.argv[1])[y:y + h, x:x + w]
print("%.2f" % np.abs(cbcr(src) - cbcr(imread(sys.argv[2]))).mean())' "$tmp/before.png" "$1" "$2" "$3"
}
echo "chroma difference to the source: preserve-colors $keep_d, plain $plain_d"
check "fast: preserve-colors keeps the source's colours (chroma diff $keep_d < 1/4 of $plain_d without it)" \
  awk -v a="$keep_d" -v b="$plain_d" 'BEGIN { exit !(a < b / 4 && b > 10) }'
check "fast: size 64 still gives the layer's size" test "$(ffield FASTSIZE size)" = "80x60"
check "fast: unknown style fails naming it and the installed ones" \
  grep -q "plug-in-neural-style-fast failed: .*no fast-style network named 'no-such-style' is installed .*(installed: wave)" <<<"$out"
check "fast: strength 150 fails with the range" grep -q "strength must be between 0 and 100" <<<"$out"
check "fast: failed calls added no layer" test "$(grep -o 'COUNT layers=[0-9]*' <<<"$out" | tail -1)" = "COUNT layers=4"
# plug-in-neural-style2
grep -o 'MASKED .*\|RECT .*\|HUGE .*' <<<"$out" || true
mfield() { grep -o "$1 .*" <<<"$out" | head -1 | grep -o "$2=[^ ]*" | cut -d= -f2; }
check "style2: one layer added (4 -> 5)" test "$(mfield MASKED layers)" = "4->5"
check "style2: the feathered ellipse gives the new layer a mask" test "$(mfield MASKED mask)" -gt 0
msize=$(mfield MASKED size) moff=$(mfield MASKED offsets)
check "style2: the layer covers the selection's bounds inside the source ($msize at $moff)" \
  bash -c "[ '$msize' != 80x60 ] && [ -n '$msize' ]"
# The mask is the selection over the new layer's area (8-bit both).
if [ -n "$msize" ] && [ -n "$moff" ]; then
  convert "$tmp/selection.png" -crop "${msize}+${moff%,*}+${moff#*,}" +repage "$tmp/selection-crop.png"
fi
# (GIMP exports the saved selection with linear values and the mask with sRGB ones.)
check "style2: the mask equals the selection (feather kept)" /usr/bin/python3 -c '
import sys, numpy as np
from skimage.io import imread
sel = imread(sys.argv[1]).astype(float) / 255
mask = imread(sys.argv[2]).astype(float) / 255
srgb = np.where(sel <= 0.0031308, 12.92 * sel, 1.055 * sel ** (1 / 2.4) - 0.055)
d = np.abs(srgb - mask) * 255
print("mask vs selection: max difference %.2f of 255" % d.max())
sys.exit(0 if sel.shape == mask.shape and d.max() <= 1.5 else 1)' "$tmp/selection-crop.png" "$tmp/mask.png"
check "style2: the mask is feathered (partly selected pixels)" bash -c \
  "[ \$(convert '$tmp/mask.png' -format '%[fx:minima<0.5 && maxima>0.5]' info:) = 1 ] &&
   [ \$(convert '$tmp/mask.png' -fx 'u>0.02 && u<0.98' -format '%[fx:mean>0.05]' info:) = 1 ]"
mkeep_d=$(chroma_at "$tmp/masked.png" "$moff" "$msize")
echo "luminance only: chroma difference to the source $mkeep_d"
check "style2: luminance only keeps the source's colours (chroma diff $mkeep_d < 2)" awk -v a="$mkeep_d" 'BEGIN { exit !(a < 2) }'
check "style2: a rectangular selection gets no mask" test "$(mfield RECT mask) $(mfield RECT size)" = "-1 40x30"
check "style2: a missing second painting is named" \
  grep -q "plug-in-neural-style2 failed: .*cannot open image '/nonexistent/second.jpg'" <<<"$out"
check "style2: a weight per painting" grep -q "style-blend-weights has 3 weights for 2 paintings" <<<"$out"
check "style2: failed calls added no layer" test "$(grep -o 'COUNT layers=[0-9]*' <<<"$out" | tail -1)" = "COUNT layers=4"
check "style2: a 30000 px layer at full size is refused before any work" \
  grep -q "plug-in-neural-style2 failed: .*30000 x 30000 px needs about .* GiB of memory .*but only .* is available: an image this large does not fit at any output size; select or crop a part of it, or scale it down" <<<"$out"
check "style2: the refused call added no layer" grep -q "HUGE layers=1" <<<"$out"
check "no crash" bash -c "! grep -qi 'plug-in crashed' '$tmp/out.txt'"
if [ $fail -ne 0 ]; then echo "--- GIMP output ---"; echo "$out"; exit 1; fi
