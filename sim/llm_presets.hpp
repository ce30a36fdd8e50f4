#pragma once
// service.llm: a language model's shape by preset name or field by field (docs/scenario.md).
//   core::JsonFields f(json, file, "/service/llm");
//   sim::LlmShape shape = sim::parse_llm(f);   // {"model": "llama-3.1-8b", "precision": "fp8"}
#include <string>
#include <vector>

#include "core/json_fields.hpp"
#include "sim/scenario.hpp"

namespace servesim::sim {

std::vector<std::string> llm_preset_names();
// The Hugging Face repository a preset's shape is copied from ("meta-llama/Llama-3.1-8B"); "" for a name
// that is not a preset (a custom model).
std::string llm_preset_checkpoint(const std::string& name);
// Throws InputError naming the file and the JSON pointer of the first bad field.
LlmShape parse_llm(core::JsonFields& f);

}  // namespace servesim::sim
