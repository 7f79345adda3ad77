// The settings dialog of Filters > Artistic > Neural Style Transfer...
// (GTK2 + libgimpui-2.0). What the controls mean, the checks and the time
// estimate come from dialog_logic.h; this file holds only widget code.
// Call on the plug-in's main thread after gimp_ui_init().
#pragma once

#include <libgimp/gimp.h>

#include "dialog_storage.h"

namespace nst_ui {

struct SettingsContext {
  gint32 image = -1;
  gint32 drawable = -1;        // the layer being stylised
  int content_width = 0;       // its selection bounds
  int content_height = 0;
  Profile* profile = nullptr;  // recent styles (read) and speeds (read, and
                               // filled by the background measurement)
};

// Shows the dialog with `state`; true when the user pressed Start, with
// `state` holding the chosen values (the style file is then also the first
// of profile->recent_styles). False for Cancel or a closed window.
bool run_settings_dialog(DialogState& state, const SettingsContext& ctx);

// Whether a drawable can serve as the style (valid, not indexed).
bool style_drawable_ok(gint32 drawable);

}  // namespace nst_ui
