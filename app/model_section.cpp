#include "app/model_section.hpp"

#include "core/input_error.hpp"
#ifdef SERVESIM_HAVE_MODELS
#include "app/gpu_profile.hpp"
#include "app/scenario_model.hpp"
#endif

namespace servesim::app {

#ifdef SERVESIM_HAVE_MODELS

bool has_models() {
  return true;
}

ModelSection apply_model_section(sim::Scenario& scenario) {
  ModelSection out;
  const auto gpu = app::apply_gpu_profile(scenario);
  const auto model = app::apply_model(scenario);
  if (gpu) out.line = gpu->describe();
  if (!model) return out;
  out.line = model->describe(scenario.service) + (gpu ? "\n" + out.line : "");
  out.profile = models::to_json(model->profile);
  out.profile["source"] = model->source;
  return out;
}

void check_model_section(sim::Scenario& scenario) {
  const bool would_profile =
      scenario.model.is_object() && scenario.model.contains("onnx") && !scenario.model.contains("profile");
  app::apply_gpu_profile(scenario);
  if (!scenario.model.is_null() && !would_profile) app::apply_model(scenario);
}

#else

bool has_models() {
  return false;
}

ModelSection apply_model_section(sim::Scenario& scenario) {
  if (!scenario.model.is_null())
    throw input_error(scenario.file, "/model",
                      "this servesim was built without models/ (ONNX profiling): rebuild with "
                      "-DSERVESIM_BUILD_MODELS=ON, or give service.warm instead");
  return {};
}

void check_model_section(sim::Scenario&) {}

#endif

}  // namespace servesim::app
