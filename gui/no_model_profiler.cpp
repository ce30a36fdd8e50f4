// make_model_profiler in a build without models/ (gui/CMakeLists.txt): there is no profiler.
#include "gui/model_profiler.hpp"

namespace servesim::gui {

ModelProfiler* make_model_profiler(ScenarioDocument*, QWidget*) {
  return nullptr;
}

}  // namespace servesim::gui
