// The plug-in's dialogs, independent of the toolkit: the dialog's values and
// what the controls mean (plain-language values <-> procedure parameters),
// the quality presets, the checks shown before anything runs, and the
// recently used styles. The time estimate and progress texts are in
// time_estimate.h, how values are stored between runs in dialog_storage.h.
//
// Plain C++ on top of core/nst.h and plugin/procedure.h: no GTK, GLib or
// libgimp, so the dialogs of the GIMP 2.10 and GIMP 3 plug-ins share it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "procedure.h"
#include "nst.h"
#include "worker.h"

namespace nst_ui {

// --- the dialog's values ------------------------------------------------------

enum class StyleSource { File = 0, Layer = 1 };

// A further painting mixed with the style, and its weight (the style's own is
// DialogState::style_weight): the style targets are the weighted mix.
struct ExtraStyle {
  std::string file;
  double weight = 1;
  bool operator==(const ExtraStyle& o) const { return file == o.file && weight == o.weight; }
};
constexpr size_t kMaxExtraStyles = 4;
constexpr double kMaxStyleWeight = 100;

// Slider ranges. Strength and smoothness are 0..100; 50 is the network's
// own balance, every 25 steps multiply or divide the weight by 10.
constexpr double kSliderMin = 0;
constexpr double kSliderMax = 100;
constexpr double kSliderNeutral = 50;
constexpr double kStepsPerDecade = 25;

struct DialogState {
  StyleSource style_source = StyleSource::File;
  std::string style_file;
  int style_drawable = -1;      // host id of the layer used as style (GIMP 2: drawable ID)
  std::vector<ExtraStyle> more_styles;  // mixed in, at most kMaxExtraStyles
  double style_weight = 1;      // the style's weight in the mix (with more_styles)
  double strength = kSliderNeutral;    // style/content balance
  double smoothness = kSliderNeutral;  // total variation weight; 0 = off
  int iterations = 300;
  int size = 512;
  int output_size = 0;          // 0: the working size, resized; -1: the layer's own size
  double mix = 100;             // percent of the result over the layer
  int preserve_colors = 0;      // 0 the painting's, 1 luminance only, 2 colour match
  double style_scale = 1;       // stroke size: the painting's size relative to the layer's
  bool selection_mask = true;   // mask the new layer by a shaped or feathered selection
  int seed = 0;
  bool random_seed = false;     // a new seed on every run
  // Advanced
  std::string model_file;       // "" = the best installed network
  std::string style_layers;     // comma separated, "" = the network's default
  std::string content_layers;
  int optimizer = 0;            // 0 L-BFGS, 1 Adam
  int init = 0;                 // 0 content, 1 noise, 2 image file
  std::string init_file;
  int pooling = 0;              // 0 max, 1 average
  double learning_rate = 0;     // 0 = automatic
  int coarse_iterations = nst::kAutoCoarse;  // coarse-to-fine steps at 1/4 and 1/2 size, -1 = a third, 0 = off
  bool advanced_expanded = false;

  bool operator==(const DialogState& o) const;
  bool operator!=(const DialogState& o) const { return !(*this == o); }
};

// --- quality presets ----------------------------------------------------------

struct QualityPreset {
  const char* label;  // untranslated (mark with N_, translate when shown)
  int iterations;
  int size;
  int output_size;    // 0: the working size; -1: the layer's own size
};
// Quick draft, Good, Fine, Best, Full size.
const std::vector<QualityPreset>& quality_presets();
// Index of the preset with exactly these values, or -1 ("Custom").
int preset_index(int iterations, int size, int output_size = 0);
// The preset used by default (Good: 300 iterations at 512 px).
constexpr int kDefaultPreset = 1;

// --- value mapping ------------------------------------------------------------

// Multiplier of the network's default weight for a slider position:
// 10^((value - 50) / 25), i.e. 0.01x .. 100x.
double slider_factor(double value);
// Inverse of slider_factor, clamped to the slider range.
double slider_from_factor(double factor);

// Engine parameters for the dialog's values. The weights are absolute
// numbers derived from the network's defaults in `info`: style weight =
// default x slider_factor(strength), content weight = default, TV weight =
// 0 at smoothness 0, else default x slider_factor(smoothness).
nst_plugin::PluginParams to_params(const DialogState& s, const nst::ModelInfo& info);

// The further paintings and the weights of s as the procedure's more-styles
// (files separated by ':') and style-blend-weights (the style's first), into p;
// both empty without further paintings.
void put_painting_mix(const DialogState& s, nst_plugin::PluginParams& p);
// Dialog values for engine parameters (a script-fu call or old last values);
// negative weights mean the network's default. Other fields of `base` (recent
// styles, expander) are kept.
DialogState from_params(const nst_plugin::PluginParams& p, const nst::ModelInfo* info,
                        const DialogState& base = DialogState());

// --- the fast filter ---------------------------------------------------------

// The engine call of a TransferJob for a fast run: `model` over `content`
// with the strength and colour settings; the image comes back in
// TransferResult::image. The references must outlive the job.
TransferJob::Engine fast_engine(const nst::Image& content, const nst_plugin::FastParams& p,
                                const nst::FastModel& model);
// --- checks before anything runs --------------------------------------------------

// The network a model setting refers to: "" -> nst::default_model().
// Throws nst::Error (with the installation hint) when none is installed.
std::string resolve_model(const std::string& model_file);

// Short name of a network for menus: "VGG-19 (torchvision weights)".
std::string model_display_name(const nst::ModelInfo& info);
// The same for a path, without reading the file: "vgg19-dcbb9e9d.pth".
std::string file_display_name(const std::string& path);

// Checks the dialog's values and caches what it learnt (the network's
// description and layer names, whether the style file can be read), so that
// calling it after every change of a slider costs nothing.
class Validator {
 public:
  // Empty when the values can run, else one translated sentence saying what
  // to change. `style_layer_ok`: the host's verdict on s.style_drawable.
  std::string check(const DialogState& s, bool style_layer_ok);
  // The network of the last successful check (valid when check() returned
  // "" or a problem that was not about the network).
  const nst::ModelInfo* model() const { return model_ok_ ? &model_ : nullptr; }
  // Problem with the network alone ("" if fine); fills model().
  std::string check_model(const std::string& model_file);
  // Problem with a style or init image file alone ("" if fine).
  std::string check_image_file(const std::string& path);

 private:
  std::string model_key_, model_problem_;
  nst::ModelInfo model_;
  bool model_ok_ = false;
  std::map<std::string, std::string> image_problems_;  // path + mtime -> problem
};

// --- recently used styles ---------------------------------------------------------

constexpr size_t kMaxRecentStyles = 6;

// `path` moves to the front; the list is cut to kMaxRecentStyles.
void remember_style(std::vector<std::string>& recent, const std::string& path);
// The entries whose file still exists.
std::vector<std::string> existing_styles(const std::vector<std::string>& recent);
// With no style chosen yet (a new GIMP session forgets the dialog's values),
// the most recently used style that still exists.
void default_to_recent_style(DialogState& s, const std::vector<std::string>& recent);

}  // namespace nst_ui
