#pragma once
// validation.html: the held-out comparison of `servesim calibrate` as one self-contained page (no scripts, no
// external files): the split, a table of observed vs simulated with their 95% intervals and the error, and a
// chart of each figure's two intervals relative to the observed value.
//
//   core::write_file_atomic("validation.html", calibrate::validation_html(validation_json, scenario_json));
#include <nlohmann/json.hpp>
#include <string>

namespace servesim::calibrate {

std::string validation_html(const nlohmann::ordered_json& validation, const nlohmann::ordered_json& scenario);

}  // namespace servesim::calibrate
