// The settings dialogs' painting widgets, one source for both (GTK2 in GIMP
// 2.10, GTK3 in GIMP 3): a file chooser for images, and the list of further
// paintings mixed into the style: the style's own
// weight (shown while there are further paintings), one row per further
// painting (file chooser, weight, Remove) and "Add a painting to the style…"
// (at most kMaxExtraStyles). Widget names for the tests: nst-style-weight,
// nst-more-style-N, nst-more-weight-N, nst-more-remove-N, nst-add-painting.
#pragma once

#include <gtk/gtk.h>

#include <functional>
#include <vector>

#include "dialog_logic.h"

namespace nst_ui {

// A file chooser filter that shows every file ("All files").
GtkFileFilter* all_files_filter();
// A file chooser button for images ("Images" and all_files_filter()), with a
// preview of the highlighted file in its dialog.
GtkWidget* image_chooser_button(const char* title);

class PaintingList {
 public:
  // `changed` runs after each change made in the list by the user.
  explicit PaintingList(std::function<void()> changed);
  ~PaintingList();
  PaintingList(const PaintingList&) = delete;
  PaintingList& operator=(const PaintingList&) = delete;

  GtkWidget* widget() const { return box_; }  // to pack under the style
  // Shows these paintings and weight (rebuilds the rows; `changed` does not run).
  void set(const std::vector<ExtraStyle>& more, double style_weight);
  const std::vector<ExtraStyle>& paintings() const { return more_; }
  double style_weight() const { return style_weight_value_; }

 private:
  static void on_file_set(GtkFileChooserButton* b, gpointer self);
  static void on_weight(GtkSpinButton* spin, gpointer self);
  static void on_remove(GtkButton* b, gpointer self);
  static void on_add(GtkButton* b, gpointer self);
  static gboolean rebuild_later(gpointer self);
  void rebuild();

  std::function<void()> changed_;
  std::vector<ExtraStyle> more_;
  double style_weight_value_ = 1;
  GtkWidget* box_ = nullptr;
  GtkWidget* weight_row_ = nullptr;
  GtkWidget* style_weight_ = nullptr;
  GtkWidget* rows_ = nullptr;
  GtkWidget* add_ = nullptr;
  guint pending_rebuild_ = 0;
};

}  // namespace nst_ui
