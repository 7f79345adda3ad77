// The progress dialog (GTK2): see progress_dialog.h for the interface, which
// the GTK3 dialog of the GIMP 3 plug-in shares.
#pragma once

#include "progress_dialog.h"

