#pragma once
// The `servesim` program the app runs in a child process (profiles, calibrations), so that what it measures
// or fits is what the CLI does.
#include <QString>

namespace servesim::gui {

// $SERVESIM_BIN when set, else `servesim` beside servesim-gui (an install), else ../cli/servesim (the build
// tree). Empty, with why in `why`, when it is not an executable file.
QString find_servesim_binary(QString* why = nullptr);

}  // namespace servesim::gui
