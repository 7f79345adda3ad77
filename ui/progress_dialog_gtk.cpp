// Progress dialog, one source for GTK2 (GIMP 2.10) and GTK3 (GIMP 3); the
// few differences are marked GTK_MAJOR_VERSION. See progress_dialog.h.
//
// Only this (main) thread touches GTK: a GLib timeout polls the job's
// snapshot ten times a second. The worker thread only fills the snapshot.
#include "progress_dialog.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "dialog_logic.h"
#include "time_estimate.h"
#include "pixbuf.h"
#include "i18n.h"
#include "test_hook_gtk.h"

namespace nst_ui {

namespace {

constexpr int kResponseApplyNow = 2;
constexpr int kPreviewWidth = 400;
constexpr int kPreviewHeight = 300;
constexpr guint kPollMs = 100;

struct ProgressUi {
  TransferJob* job = nullptr;
  ProgressContext ctx;
  GMainLoop* loop = nullptr;
  GTimer* clock = nullptr;
  GtkWidget* dialog = nullptr;
  GtkWidget* preview = nullptr;
  GtkWidget* status = nullptr;
  GtkWidget* bar = nullptr;
  GtkWidget* times = nullptr;
  GtkWidget* losses = nullptr;
  GtkWidget* apply_button = nullptr;
  GtkWidget* cancel_button = nullptr;
  unsigned preview_serial = 0;
  double host_fraction = -1;
  double host_time = -1;
  gint64 last_dump = 0;
  ProgressOutcome outcome = ProgressOutcome::Cancelled;
  std::string error;
};

void show_preview(ProgressUi* ui, const nst::Image& img) {
  GdkPixbuf* pb = image_pixbuf(img, kPreviewWidth, kPreviewHeight);
  if (!pb) return;
  gtk_image_set_from_pixbuf(GTK_IMAGE(ui->preview), pb);
  g_object_unref(pb);
}

void request_cancel(ProgressUi* ui) {
  ui->job->cancel();
  gtk_widget_set_sensitive(ui->apply_button, FALSE);
  gtk_widget_set_sensitive(ui->cancel_button, FALSE);
}

void on_response(GtkDialog*, gint response, gpointer data) {
  ProgressUi* ui = static_cast<ProgressUi*>(data);
  if (response == kResponseApplyNow) {
    ui->job->finish_now();
    gtk_widget_set_sensitive(ui->apply_button, FALSE);
  } else {
    request_cancel(ui);  // Cancel button, Escape
  }
}

gboolean on_delete(GtkWidget*, GdkEvent*, gpointer data) {
  request_cancel(static_cast<ProgressUi*>(data));  // closing the window is Cancel
  return TRUE;  // the dialog stays until the worker has stopped
}

gboolean poll(gpointer data) {
  ProgressUi* ui = static_cast<ProgressUi*>(data);
  const JobSnapshot s = ui->job->snapshot(ui->preview_serial);
  if (s.preview_serial != ui->preview_serial) {
    ui->preview_serial = s.preview_serial;
    show_preview(ui, s.preview);
  }

  const double elapsed = g_timer_elapsed(ui->clock, nullptr);
  // Over several scales the work done counts (later steps cost more).
  const bool scaled = s.scales > 1 && s.work_done > 0;
  const double fraction =
      scaled ? std::min(1.0, s.work_done) : s.iterations > 0 ? std::min(1.0, double(s.iteration) / s.iterations) : 0.0;
  std::string status =
      progress_status(s.iteration, s.iterations, s.cancel_requested, s.finish_requested, ui->ctx.fast);
  const std::string where = format_scale(s.scale, s.scales, s.width, s.height, s.tile, s.tiles);
  if (!where.empty() && s.iteration > 0 && !s.cancel_requested && !s.finish_requested) status += ", " + where;
  gtk_label_set_text(GTK_LABEL(ui->status), status.c_str());

  gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(ui->bar), fraction);
  gchar* percent = g_strdup_printf(_("%d %%"), int(fraction * 100));
  gtk_progress_bar_set_text(GTK_PROGRESS_BAR(ui->bar), percent);
  g_free(percent);

  double eta = scaled ? eta_from_work(s.work_done, s.work_first, s.elapsed, s.elapsed_first)
                      : eta_seconds(s.iteration, s.iterations, s.elapsed, s.elapsed_first);
  if (eta < 0 && ui->ctx.estimate_seconds > 0) eta = std::max(0.0, ui->ctx.estimate_seconds - elapsed);
  if (s.cancel_requested || s.finish_requested) eta = -1;
  gtk_label_set_text(GTK_LABEL(ui->times), format_times(elapsed, eta).c_str());
  if (s.iteration > 0 && !ui->ctx.fast)
    gtk_label_set_text(GTK_LABEL(ui->losses),
                       format_losses(s.losses).c_str());

  // GIMP's progress bar: a few updates a second at most.
  if (ui->ctx.host_progress &&
      (fraction - ui->host_fraction >= 0.01 || elapsed - ui->host_time >= 0.5)) {
    ui->host_fraction = fraction;
    ui->host_time = elapsed;
    ui->ctx.host_progress(fraction, status);
  }

  if (test_hook_enabled() && g_get_monotonic_time() - ui->last_dump > 200000) {
    ui->last_dump = g_get_monotonic_time();
    test_hook_dump(ui->dialog, "progress");
  }

  if (!ui->job->done()) return TRUE;
  switch (ui->job->finish()) {
    case JobState::Finished:
      ui->outcome = s.finish_requested && s.iteration < s.iterations ? ProgressOutcome::AppliedEarly
                                                                     : ProgressOutcome::Completed;
      break;
    case JobState::Failed:
      ui->outcome = ProgressOutcome::Failed;
      ui->error = ui->job->snapshot().error;
      break;
    default:
      ui->outcome = ProgressOutcome::Cancelled;
      break;
  }
  g_main_loop_quit(ui->loop);
  return FALSE;
}

GtkWidget* left_aligned(GtkWidget* label, const char* name) {
  gtk_widget_set_name(label, name);
#if GTK_MAJOR_VERSION >= 3
  gtk_label_set_xalign(GTK_LABEL(label), 0.0);
#else
  gtk_misc_set_alignment(GTK_MISC(label), 0.0, 0.5);
#endif
  return label;
}

}  // namespace

ProgressOutcome run_progress_dialog(TransferJob& job, const ProgressContext& ctx, std::string* error) {
  ProgressUi ui;
  ui.job = &job;
  ui.ctx = ctx;

  ui.dialog = gimp_dialog_new(progress_title(ctx.fast).c_str(), "gimp-neural-style-progress", nullptr,
                              GtkDialogFlags(0), gimp_standard_help_func,
                              ctx.fast ? "plug-in-neural-style-fast" : "plug-in-neural-style",
                              _("Apply _Now"), kResponseApplyNow,
                              _("_Cancel"), GTK_RESPONSE_CANCEL,
                              nullptr);
#if GTK_MAJOR_VERSION >= 3
  gimp_dialog_set_alternative_button_order(GTK_DIALOG(ui.dialog), kResponseApplyNow, GTK_RESPONSE_CANCEL, -1);
#else
  gtk_dialog_set_alternative_button_order(GTK_DIALOG(ui.dialog), kResponseApplyNow, GTK_RESPONSE_CANCEL, -1);
#endif
  ui.apply_button = gtk_dialog_get_widget_for_response(GTK_DIALOG(ui.dialog), kResponseApplyNow);
  ui.cancel_button = gtk_dialog_get_widget_for_response(GTK_DIALOG(ui.dialog), GTK_RESPONSE_CANCEL);
  gtk_widget_set_name(ui.apply_button, "nst-apply-now");
  gtk_widget_set_name(ui.cancel_button, "nst-cancel");
  gtk_widget_set_tooltip_text(ui.apply_button,
                              _("Stop now and keep the result as it is at this moment as a new layer."));
  gtk_widget_set_tooltip_text(ui.cancel_button, _("Stop and leave the image exactly as it was."));
  gimp_window_set_transient(GTK_WINDOW(ui.dialog));
  g_signal_connect(ui.dialog, "response", G_CALLBACK(on_response), &ui);
  g_signal_connect(ui.dialog, "delete-event", G_CALLBACK(on_delete), &ui);

#if GTK_MAJOR_VERSION >= 3
  GtkWidget* vbox = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
#else
  GtkWidget* vbox = gtk_vbox_new(FALSE, 6);
#endif
  gtk_container_set_border_width(GTK_CONTAINER(vbox), 12);
  gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(ui.dialog))), vbox, TRUE, TRUE, 0);

  if (!ctx.subtitle.empty()) {
    GtkWidget* sub = left_aligned(gtk_label_new(ctx.subtitle.c_str()), "nst-subtitle");
    gimp_label_set_attributes(GTK_LABEL(sub), PANGO_ATTR_WEIGHT, PANGO_WEIGHT_BOLD, -1);
    gtk_label_set_ellipsize(GTK_LABEL(sub), PANGO_ELLIPSIZE_END);
    gtk_box_pack_start(GTK_BOX(vbox), sub, FALSE, FALSE, 0);
  }

  GtkWidget* frame = gtk_frame_new(nullptr);
  gtk_frame_set_shadow_type(GTK_FRAME(frame), GTK_SHADOW_IN);
  ui.preview = gtk_image_new();
  gtk_widget_set_name(ui.preview, "nst-preview");
  gtk_widget_set_size_request(ui.preview, kPreviewWidth, kPreviewHeight);
  gtk_container_add(GTK_CONTAINER(frame), ui.preview);
  gtk_box_pack_start(GTK_BOX(vbox), frame, TRUE, TRUE, 0);
  show_preview(&ui, ctx.start_preview);

  ui.status = left_aligned(gtk_label_new(""), "nst-status");
  gtk_box_pack_start(GTK_BOX(vbox), ui.status, FALSE, FALSE, 0);
  ui.bar = gtk_progress_bar_new();
  gtk_widget_set_name(ui.bar, "nst-progress");
  gtk_box_pack_start(GTK_BOX(vbox), ui.bar, FALSE, FALSE, 0);
#if GTK_MAJOR_VERSION >= 3
  gtk_progress_bar_set_show_text(GTK_PROGRESS_BAR(ui.bar), TRUE);
#endif
  ui.times = left_aligned(gtk_label_new(""), "nst-times");
  gtk_box_pack_start(GTK_BOX(vbox), ui.times, FALSE, FALSE, 0);
  ui.losses = left_aligned(gtk_label_new(""), "nst-losses");
  gimp_label_set_attributes(GTK_LABEL(ui.losses), PANGO_ATTR_SCALE, PANGO_SCALE_SMALL, -1);
  gtk_label_set_ellipsize(GTK_LABEL(ui.losses), PANGO_ELLIPSIZE_END);
  gtk_box_pack_start(GTK_BOX(vbox), ui.losses, FALSE, FALSE, 0);

  ui.clock = g_timer_new();
  ui.loop = g_main_loop_new(nullptr, FALSE);
  gtk_label_set_text(GTK_LABEL(ui.status), progress_status(0, 0, false, false, ctx.fast).c_str());
  gtk_progress_bar_set_text(GTK_PROGRESS_BAR(ui.bar), " ");
  job.start();
  gtk_widget_show_all(ui.dialog);
  if (ctx.fast) {
    gtk_widget_hide(ui.apply_button);  // one pass: nothing to apply early
    gtk_widget_hide(ui.losses);
  }
  g_timeout_add(kPollMs, poll, &ui);  // removes itself (returns FALSE) when the job has stopped
  g_main_loop_run(ui.loop);

  if (test_hook_enabled()) test_hook_dump(ui.dialog, "progress");
  gtk_widget_destroy(ui.dialog);
  g_main_loop_unref(ui.loop);
  g_timer_destroy(ui.clock);
  if (error) *error = ui.error;
  return ui.outcome;
}

namespace {

// GIMP's own progress bar, following the progress window.
void host_progress(double fraction, const std::string& text) {
  gimp_progress_set_text(text.c_str());
  gimp_progress_update(fraction);
}

const char* outcome_name(ProgressOutcome o) {
  switch (o) {
    case ProgressOutcome::Completed: return "completed";
    case ProgressOutcome::AppliedEarly: return "applied-early";
    case ProgressOutcome::Cancelled: return "cancelled";
    case ProgressOutcome::Failed: return "failed";
  }
  return "?";
}

}  // namespace

nst::TransferResult transfer_in_progress_window(const nst::Image& content, const nst::Image& style,
                                                const nst_plugin::PluginParams& p, const std::string& layer_name,
                                                const std::string& style_name, Profile& profile,
                                                const std::string& profile_file) {
  TransferJob job([&](const nst::ProgressFn& progress, const std::atomic<bool>* cancel,
                      const std::atomic<bool>* finish_now) {
    nst_plugin::RunControl rc;
    rc.preview_every = 1;  // the job keeps a few previews a second
    rc.progress = progress;
    rc.cancel = cancel;
    rc.finish_now = finish_now;
    return nst_plugin::run_neural_style(content, style, p, rc);
  });

  std::string model_path;
  try {
    model_path = nst::inspect_model(resolve_model(p.model_file)).path;
  } catch (const std::exception&) {
    // The engine reports it.
  }
  ProgressContext ctx;
  ctx.subtitle = progress_subtitle(layer_name, style_name);
  ctx.start_preview = content;
  try {
    nst::TransferOptions o = nst_plugin::to_options(p);
    o.model = model_path;
    ctx.estimate_seconds = estimate_seconds(profile.speeds.find(model_path),
                                            nst::transfer_scales(content.width, content.height, o));
  } catch (const std::exception&) {
    // The engine reports it.
  }
  ctx.host_progress = host_progress;
  std::string error;
  const ProgressOutcome outcome = run_progress_dialog(job, ctx, &error);
  const JobSnapshot last = job.snapshot();
  if (outcome == ProgressOutcome::Cancelled) {
    test_hook_note("result", "outcome=cancelled iterations=" + std::to_string(last.iteration));
    throw nst::Cancelled();
  }
  if (outcome == ProgressOutcome::Failed) throw nst::Error(error);
  nst::TransferResult result = job.take_result();
  test_hook_note("result", std::string("outcome=") + outcome_name(outcome) + " iterations=" +
                               std::to_string(result.iterations) + " of=" + std::to_string(p.iterations) +
                               " paintings=" + std::to_string(1 + nst_plugin::split_style_files(p.more_styles).size()));
  if (!model_path.empty() && last.scales <= 1) {  // the speed at one size
    const Timing t =
        timing_from_progress(last.elapsed_first, last.elapsed, last.iteration, result.work_width, result.work_height);
    if (t.valid()) {
      profile.speeds.set(model_path, refine_speed(profile.speeds.find(model_path), t));
      save_profile(profile, profile_file);
    }
  }
  return result;
}

nst::TransferResult transfer_in_batch(const nst::Image& content, const nst::Image& style,
                                      const nst_plugin::PluginParams& p) {
  nst_plugin::RunControl control;
  std::atomic<bool> cancel{false};
  const int cancel_at = test_hook_cancel_at();
  int reached = 0;
  control.progress = [&](const nst::Progress& pr) {
    if (pr.scales > 1) gimp_progress_update(pr.work_done);
    else if (pr.iterations > 0) gimp_progress_update(double(pr.iteration) / pr.iterations);
    gimp_progress_set_text_printf(_("Neural style: iteration %d of %d, loss %.4g"), pr.iteration, pr.iterations,
                                  pr.losses.total);
    reached = pr.iteration;
    if (cancel_at > 0 && pr.iteration >= cancel_at) cancel = true;
  };
  control.cancel = &cancel;
  const auto log = [&](const char* outcome) {
    test_hook_log("batch", std::string("outcome=") + outcome + " iteration=" + std::to_string(reached) +
                               " gimp_rss_kb=" + std::to_string(test_hook_host_rss_kb()));
  };
  try {
    nst::TransferResult result = nst_plugin::run_neural_style(content, style, p, control);
    log("done");
    return result;
  } catch (const nst::Cancelled&) {
    log("cancelled");
    throw;
  }
}

nst::Image stylize_in_progress_window(const nst::Image& content, const nst_plugin::FastParams& p,
                                      const nst::FastModel& model, const std::string& layer_name) {
  TransferJob job(fast_engine(content, p, model));
  ProgressContext ctx;
  ctx.fast = true;
  ctx.subtitle = progress_subtitle(layer_name, model.info().name);
  ctx.start_preview = content;
  ctx.host_progress = host_progress;
  std::string error;
  const ProgressOutcome outcome = run_progress_dialog(job, ctx, &error);
  if (outcome == ProgressOutcome::Cancelled) {
    test_hook_note("result", "outcome=cancelled");
    throw nst::Cancelled();
  }
  if (outcome == ProgressOutcome::Failed) throw nst::Error(error);
  test_hook_note("result", std::string("outcome=") + outcome_name(outcome));
  return job.take_result().image;
}

nst::Image stylize_in_batch(const nst::Image& content, const nst_plugin::FastParams& p, const nst::FastModel& model) {
  nst_plugin::RunControl rc;
  rc.progress = [](const nst::Progress& pr) {
    if (pr.iterations > 0) gimp_progress_update(double(pr.iteration) / pr.iterations);
  };
  return nst_plugin::run_fast_style(content, p, rc, &model);
}

}  // namespace nst_ui
