// nst::Image -> GdkPixbuf for the dialogs' previews and thumbnails.
// gdk-pixbuf is the same library under GTK2 and GTK3, so both plug-ins
// build this file.
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "nst.h"

namespace nst_ui {
// An RGB pixbuf of `img` scaled to fit max_width x max_height (aspect kept);
// null for an empty image. The caller owns the reference.
GdkPixbuf* image_pixbuf(const nst::Image& img, int max_width, int max_height);
}  // namespace nst_ui
