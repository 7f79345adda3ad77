// The settings dialog of Filters > Artistic > Neural Style (Fast)..., one
// source for GTK2 + libgimpui-2.0 (GIMP 2.10) and GTK3 + libgimpui-3.0
// (GIMP 3; the few differences are marked GTK_MAJOR_VERSION): the installed style networks as a gallery of
// thumbnails showing the layer itself in each style, or a network file; the
// strength (mix with the original), colour preservation, a live preview and
// the working and tile sizes. Call on the main thread after gimp_ui_init().
#pragma once

#include "procedure.h"
#include "nst.h"

namespace nst_ui {

constexpr int kFastPreviewSize = 320;

struct FastDialogContext {
  nst::Image layer_small;  // the layer (selection bounds), longest side <= kFastPreviewSize
};

// The dialog's context for a layer's pixels (scaled down for the previews).
FastDialogContext fast_dialog_context(const nst::Image& layer);

// Shows the dialog with `params`; true when the user pressed Start, with
// `params` holding the chosen values.
bool run_fast_dialog(nst_plugin::FastParams& params, const FastDialogContext& ctx);

}  // namespace nst_ui
