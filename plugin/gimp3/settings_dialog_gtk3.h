// The settings dialog of Filters > Artistic > Neural Style Transfer... for
// GIMP 3: a GimpProcedureDialog on the procedure's GimpProcedureConfig, so
// GIMP keeps the values between runs, with the parts the generic dialog
// lacks: a file chooser and thumbnail for the style, the plain-language
// "Style strength" and "Smoothness" sliders and the "Quality" presets of the
// GIMP 2.10 dialog (dialog-only arguments, mapped to the procedure's weights,
// iterations and size by dialog_logic.h), the checks before anything runs
// (Start stays insensitive while something is wrong) and the time estimate.
// Call on the plug-in's main thread after gimp_ui_init().
#pragma once

#include <libgimp/gimp.h>

#include "dialog_storage.h"

namespace nst_ui {

// Adds the dialog-only arguments ("strength", "smoothness", "quality") to a
// procedure. GIMP stores them with the procedure's last values but they are
// not part of its PDB signature.
void add_dialog_arguments(GimpProcedure* procedure);

struct SettingsContext {
  GimpImage* image = nullptr;  // the image being worked on (its layers are not offered as the style)
  int content_width = 0;       // the drawable's selection bounds
  int content_height = 0;
  Profile* profile = nullptr;  // recent styles (read, and the chosen style added) and speeds
};

// Shows the dialog on `config`. True when the user pressed Start: `config`
// then holds the chosen values, with content-weight, style-weight and
// tv-weight computed from the sliders for the chosen network. False for
// Cancel or a closed window.
bool run_settings_dialog(GimpProcedure* procedure, GimpProcedureConfig* config,
                         const SettingsContext& ctx);

}  // namespace nst_ui
