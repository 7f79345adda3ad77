// The progress dialog's interface, the same for every toolkit: it runs a
// TransferJob on its worker thread and shows the evolving result, the
// iteration, losses, elapsed time, time left and a progress bar, with
// "Apply Now" and "Cancel". Implemented once (progress_dialog_gtk.cpp),
// built with GTK2 for GIMP 2.10 and with GTK3 for GIMP 3. Call on the
// plug-in's main thread after gimp_ui_init(); it returns when the job has
// stopped.
#pragma once

#include <functional>
#include <string>

#include "dialog_storage.h"
#include "nst.h"
#include "procedure.h"
#include "worker.h"

namespace nst_ui {

struct ProgressContext {
  std::string subtitle;          // e.g. "Starry Night on “Background”"
  nst::Image start_preview;      // shown until the first preview arrives (any size)
  double estimate_seconds = -1;  // from the settings dialog, < 0 unknown
  // GIMP's own progress bar (called on the main thread, throttled).
  std::function<void(double fraction, const std::string& text)> host_progress;
  // A feed-forward run (plug-in-neural-style-fast): progress counts tiles,
  // there are no losses and no "Apply Now".
  bool fast = false;
};

enum class ProgressOutcome {
  Completed,     // all iterations ran
  AppliedEarly,  // "Apply Now": the result so far
  Cancelled,     // Cancel button or closed window: no result
  Failed,        // the engine threw; *error says why
};

// Starts `job` and shows the dialog until the job has stopped.
ProgressOutcome run_progress_dialog(TransferJob& job, const ProgressContext& ctx, std::string* error);

// The runs both GIMP hosts make, GIMP's progress bar following each. They
// throw nst::Cancelled when the user cancelled and nst::Error when the engine
// failed, and leave a "result" note for the dialog tests.
//
// The optimisation of `content` (read from the layer `layer_name`) behind the
// progress window. How fast the network ran refines its speed in `profile`
// (saved to `profile_file`) for the next estimate.
nst::TransferResult transfer_in_progress_window(const nst::Image& content, const nst::Image& style,
                                                const nst_plugin::PluginParams& p, const std::string& layer_name,
                                                const std::string& style_name, Profile& profile,
                                                const std::string& profile_file);
// The same without a window (scripts): the engine on this thread.
nst::TransferResult transfer_in_batch(const nst::Image& content, const nst::Image& style,
                                      const nst_plugin::PluginParams& p);
// The fast filter behind the progress window, and without one.
nst::Image stylize_in_progress_window(const nst::Image& content, const nst_plugin::FastParams& p,
                                      const nst::FastModel& model, const std::string& layer_name);
nst::Image stylize_in_batch(const nst::Image& content, const nst_plugin::FastParams& p, const nst::FastModel& model);

}  // namespace nst_ui
