// The progress dialog (GTK2): see progress_dialog.h for the interface, which
// the GTK3 dialog of the GIMP 3 plug-in shares.
#pragma once

#include "progress_dialog.h"

#include <gtk/gtk.h>

namespace nst_ui {
// An RGB pixbuf of `img` scaled to fit max_width x max_height (aspect kept);
// null for an empty image. The caller owns the reference.
GdkPixbuf* image_pixbuf(const nst::Image& img, int max_width, int max_height);
}  // namespace nst_ui
