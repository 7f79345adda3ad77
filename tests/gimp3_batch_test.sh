#!/usr/bin/env bash
# End-to-end test of the GIMP 3 plug-in through script-fu in batch mode:
#   gimp3_batch_test.sh PLUGIN_EXECUTABLE SHARED_DIR
# The GIMP 3 counterpart of gimp_batch_test.sh. A generated image with three
# layers; plug-in-neural-style on the middle one must add one layer directly
# above it with the same size and offsets and different pixels, and leave the
# source untouched; two selected layers give two new layers in one undo step.
# A missing style file must fail with the engine's message and add no layer;
# so must a bad argument (GIMP 3 checks the ranges). plug-in-neural-style-fast:
# an installed style by name adds its layer above the source, strength 0 gives
# the source's pixels, an unknown style adds no layer.
# Exit 77 (meson: skipped) when GIMP 3 or ../shared is absent. Runs natively
# on Debian 13 or inside the root of tests/gimp3_root.sh.
set -euo pipefail
plugin=$1
shared=$2
# shellcheck source=gimp_test_lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/gimp_test_lib.sh"
begin_gimp_test "$shared" "gimp-console-3.0" models/darknet-tiny/model.json models/fast-style-ml5/wave/manifest.json
private_plugin "$plugin"
# The default network (model-file "") and the fast style "wave" come from a
# models folder laid out as install-models.sh installs it.
make_models_folder "$shared" "$tmp/models" wave
export NST_MODELS_DIR=$tmp/models
style=$shared/testdata/style/starry_night.jpg

# Every -b runs in its own script-fu process (images persist, variables do
# not). GIMP 3 stops at the first failing command; --quit ends the session.
run_gimp() {
  timeout 600 gimp-console-3.0 -i -d -f --quit --gimprc "$tmp/gimprc" \
    --batch-interpreter=plug-in-script-fu-eval "$@" >"$tmp/out.txt" 2>&1 || true
  cat "$tmp/out.txt"
}

# Image 1: white background, a gradient "Photo" layer at offsets (10, 5), a "Top" layer.
setup="(begin $save_layer
(let* ((img (car (gimp-image-new 120 90 RGB)))
       (bg (car (gimp-layer-new img \"Background\" 120 90 RGB-IMAGE 100 LAYER-MODE-NORMAL)))
       (src (car (gimp-layer-new img \"Photo\" 80 60 RGBA-IMAGE 100 LAYER-MODE-NORMAL)))
       (top (car (gimp-layer-new img \"Top\" 30 20 RGBA-IMAGE 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img bg 0 0)
  (gimp-image-insert-layer img src 0 0)
  (gimp-image-insert-layer img top 0 0)
  (gimp-drawable-fill bg FILL-WHITE)
  (gimp-layer-set-offsets src 10 5)
  (gimp-context-set-foreground '(230 40 20))
  (gimp-context-set-background '(20 60 220))
  (gimp-drawable-edit-gradient-fill src GRADIENT-LINEAR 0 FALSE 1 0 FALSE 0 0 80 60)
  (save-layer src \"$tmp/before.pam\")
  (gimp-message (string-append \"SETUP image=\" (number->string img)))))"

call="(begin $save_layer $n_layers
(let* ((img 1) (src (car (gimp-image-get-layer-by-name img \"Photo\")))
       (n0 (n-layers img))
       (new (car (plug-in-neural-style RUN-NONINTERACTIVE img (vector src) \"$style\" \"\" 25 64 -1 -1 -1 0 0 \"\" 0 \"\" \"\" 0 0)))
       (hs (gimp-drawable-histogram src HISTOGRAM-VALUE 0 1))
       (hn (gimp-drawable-histogram new HISTOGRAM-VALUE 0 1)))
  (save-layer src \"$tmp/after.pam\")
  (save-layer new \"$tmp/new.pam\")
  (gimp-message (string-append \"RESULT layers=\" (number->string n0) \"->\" (number->string (n-layers img))
    \" newpos=\" (number->string (car (gimp-image-get-item-position img new)))
    \" srcpos=\" (number->string (car (gimp-image-get-item-position img src)))
    \" size=\" (number->string (car (gimp-drawable-get-width new))) \"x\" (number->string (car (gimp-drawable-get-height new)))
    \" offsets=\" (number->string (car (gimp-drawable-get-offsets new))) \",\" (number->string (cadr (gimp-drawable-get-offsets new)))
    \" srcmean=\" (number->string (car hs)) \" newmean=\" (number->string (car hn))
    \" srcstd=\" (number->string (cadr hs)) \" newstd=\" (number->string (cadr hn))
    \" name=\" (car (gimp-item-get-name new))))))"

# Two selected layers: two new layers, each above its source, one undo group.
# Named arguments (GIMP 3's preferred form); the others take their defaults.
two="(begin $n_layers
(let* ((img 1) (bg (car (gimp-image-get-layer-by-name img \"Background\")))
       (top (car (gimp-image-get-layer-by-name img \"Top\")))
       (n0 (n-layers img))
       (new (car (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE #:image img #:drawables (vector top bg)
                                        #:style-file \"$style\" #:iterations 3 #:size 32))))
  (gimp-message (string-append \"TWO layers=\" (number->string n0) \"->\" (number->string (n-layers img))
    \" firstsize=\" (number->string (car (gimp-drawable-get-width new)))
    \" abovetop=\" (number->string (- (car (gimp-image-get-item-position img top)) (car (gimp-image-get-item-position img new))))))
  (gimp-image-undo-disable img)))"

fast="(begin $save_layer $n_layers
(let* ((img 1) (src (car (gimp-image-get-layer-by-name img \"Photo\")))
       (n0 (n-layers img))
       (new (car (plug-in-neural-style-fast RUN-NONINTERACTIVE img (vector src) \"wave\" 100 0 0 0)))
       (zero (car (plug-in-neural-style-fast #:run-mode RUN-NONINTERACTIVE #:image img #:drawables (vector src)
                                             #:model \"wave\" #:strength 0))))
  (save-layer new \"$tmp/fast.pam\")
  (save-layer zero \"$tmp/fast-zero.pam\")
  (gimp-message (string-append \"FAST layers=\" (number->string n0) \"->\" (number->string (n-layers img))
    \" above=\" (number->string (- (car (gimp-image-get-item-position img src)) (car (gimp-image-get-item-position img new))))
    \" size=\" (number->string (car (gimp-drawable-get-width new))) \"x\" (number->string (car (gimp-drawable-get-height new)))
    \" offsets=\" (number->string (car (gimp-drawable-get-offsets new))) \",\" (number->string (cadr (gimp-drawable-get-offsets new)))
    \" name=\" (car (gimp-item-get-name new))))
  (gimp-image-remove-layer img new)
  (gimp-image-remove-layer img zero)))"
fast_unknown="(begin $n_layers (catch (gimp-message (string-append \"FASTUNKNOWN layers=\" (number->string (n-layers 1)))) (begin (plug-in-neural-style-fast RUN-NONINTERACTIVE 1 (vector (car (gimp-image-get-layer-by-name 1 \"Photo\"))) \"no-such-style\" 100 0 0 0) (gimp-message \"NOT-CAUGHT\"))))"

# A missing style file, caught (the layer count is checked after it), then a
# bad argument, then the missing file again uncaught for the message.
missing_call='(plug-in-neural-style RUN-NONINTERACTIVE 1 (vector (car (gimp-image-get-layer-by-name 1 "Photo"))) "/nonexistent/painting.jpg" "" 5 64 -1 -1 -1 0 0 "" 0 "" "" 0 0)'
caught="(begin $n_layers (catch (gimp-message (string-append \"CAUGHT layers=\" (number->string (n-layers 1)))) (begin $missing_call (gimp-message \"NOT-CAUGHT\"))))"
bad_arg="(begin $n_layers (catch (gimp-message (string-append \"BADARG layers=\" (number->string (n-layers 1)))) (begin (plug-in-neural-style RUN-NONINTERACTIVE 1 (vector (car (gimp-image-get-layer-by-name 1 \"Photo\"))) \"$style\" \"\" 0 64 -1 -1 -1 0 0 \"\" 0 \"\" \"\" 0 0) (gimp-message \"NOT-CAUGHT\"))))"

# The parameters beyond GIMP 2.10's first 18, by name, through the alias
# plug-in-neural-style2: an elliptical feathered selection becomes the new
# layer's mask (GIMP's histograms count the selected pixels, weighted: the
# mask's mean there equals the selection's), the layer's own size,
# luminance-only colours. Then a rectangle: no mask.
masked="(begin $n_layers
(let* ((img 1) (src (car (gimp-image-get-layer-by-name img \"Photo\"))))
  (gimp-image-select-ellipse img CHANNEL-OP-REPLACE 25 15 50 36)
  (gimp-selection-feather img 10)
  (let* ((sel (car (gimp-selection-save img)))
         (hsel (gimp-drawable-histogram sel HISTOGRAM-VALUE 0 1))
         (new (car (plug-in-neural-style2 #:run-mode RUN-NONINTERACTIVE #:image img #:drawables (vector src)
                                          #:style-file \"$style\" #:iterations 10 #:size 48 #:output-size -1
                                          #:preserve-colors 1)))
         (mask (car (gimp-layer-get-mask new)))
         (hmask (gimp-drawable-histogram mask HISTOGRAM-VALUE 0 1))
         (w (car (gimp-drawable-get-width new))) (h (car (gimp-drawable-get-height new))))
    (gimp-message (string-append \"MASKED layers=\" (number->string (n-layers img))
      \" size=\" (number->string w) \"x\" (number->string h)
      \" selmean=\" (number->string (car hsel)) \" maskmean=\" (number->string (car hmask))))
    (gimp-image-remove-layer img new)
    (gimp-image-remove-channel img sel)
    (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 20 10 40 30)
    (let ((plain (car (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE #:image img #:drawables (vector src)
                                            #:style-file \"$style\" #:iterations 3 #:size 32))))
      (gimp-message (string-append \"RECT mask=\" (let ((m (car (gimp-layer-get-mask plain)))) (if (and (number? m) (> m 0)) \"yes\" \"no\"))
        \" size=\" (number->string (car (gimp-drawable-get-width plain))) \"x\" (number->string (car (gimp-drawable-get-height plain)))))
      (gimp-image-remove-layer img plain))
    (gimp-selection-none img))))"

out=$(run_gimp -b "$setup" -b "$call" -b "$two" -b "$fast" -b "$fast_unknown" -b "$masked" -b "$caught" -b "$bad_arg" -b "$missing_call")
result=$(grep -o 'RESULT .*' <<<"$out" || true)
two_result=$(grep -o 'TWO .*' <<<"$out" || true)
echo "$result"
echo "$two_result"
field() { grep -o " $1=[^ ]*" <<<"$2" | cut -d= -f2; }
check "plug-in returned a layer" test -n "$result"
check "one layer added (3 -> 4)" test "$(field layers "$result")" = "3->4"
check "new layer directly above the source" test "$(( $(field srcpos "$result") - $(field newpos "$result") ))" = 1
check "new layer named after the style" test "$(grep -o 'name=.*' <<<"$result")" = "name=Starry Night (neural style)"
check "same size as the source" test "$(field size "$result")" = "80x60"
check "same offsets as the source" test "$(field offsets "$result")" = "10,5"
check "source pixels unchanged" cmp -s "$tmp/before.pam" "$tmp/after.pam"
check "new layer's pixels differ from the source" bash -c "[ -s '$tmp/new.pam' ] && ! cmp -s '$tmp/before.pam' '$tmp/new.pam'"
# Stylisation changes the value statistics, not only a few bytes.
check "value statistics changed" awk -v a="$(field srcmean "$result")" -v b="$(field newmean "$result")" \
  -v c="$(field srcstd "$result")" -v d="$(field newstd "$result")" \
  'BEGIN { dm = a - b; ds = c - d; exit !((dm < 0 ? -dm : dm) + (ds < 0 ? -ds : ds) > 3) }'
check "two selected drawables: two layers added (4 -> 6)" test "$(field layers "$two_result")" = "4->6"
check "two selected drawables: first result is the first drawable's (30 px wide, directly above it)" \
  test "$(field firstsize "$two_result") $(field abovetop "$two_result")" = "30 1"
check "missing style file: the call fails and adds no layer" grep -q "CAUGHT layers=6" <<<"$out"
check "iterations 0: GIMP rejects the argument, no layer" grep -q "BADARG layers=6" <<<"$out"
check "missing style file: script-fu error carries the engine's message" \
  grep -q "cannot open image '/nonexistent/painting.jpg'" <<<"$out"
fast_result=$(grep -o 'FAST .*' <<<"$out" || true)
echo "$fast_result"
check "fast: one layer added by name (6 -> 8 with the strength-0 call)" test "$(field layers "$fast_result")" = "6->8"
check "fast: layer directly above the source" test "$(field above "$fast_result")" = 2
check "fast: layer named after the style" test "$(grep -o 'name=.*' <<<"$fast_result")" = "name=Wave (fast style)"
check "fast: same size and offsets" test "$(field size "$fast_result") $(field offsets "$fast_result")" = "80x60 10,5"
check "fast: pixels differ from the source" bash -c "[ -s '$tmp/fast.pam' ] && ! cmp -s '$tmp/before.pam' '$tmp/fast.pam'"
check "fast: strength 0 gives exactly the source's pixels" cmp -s "$tmp/before.pam" "$tmp/fast-zero.pam"
check "fast: unknown style fails and adds no layer" grep -q "FASTUNKNOWN layers=6" <<<"$out"
masked_result=$(grep -o 'MASKED .*' <<<"$out" || true)
echo "$masked_result $(grep -o 'RECT .*' <<<"$out" || true)"
check "style2: one layer added (6 -> 7)" test "$(field layers "$masked_result")" = 7
check "style2: the new layer covers the selection's bounds" bash -c "[ -n '$(field size "$masked_result")' ] && [ '$(field size "$masked_result")' != 80x60 ]"
check "style2: the mask holds the selection (means $(field selmean "$masked_result") and $(field maskmean "$masked_result"))" \
  awk -v a="$(field selmean "$masked_result")" -v b="$(field maskmean "$masked_result")" \
  'BEGIN { d = a - b; exit !(a > 0 && (d < 0 ? -d : d) < 0.01 * a) }'
check "style2: a rectangular selection gets no mask" grep -q "RECT mask=no size=40x30" <<<"$out"
check "no crash" bash -c "! grep -qi 'plug-in crashed\|NOT-CAUGHT' '$tmp/out.txt'"
if [ $fail -ne 0 ]; then echo "--- GIMP output ---"; echo "$out"; exit 1; fi
