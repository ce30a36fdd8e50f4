#pragma once
// Forwarding header, removed once platforms/ includes core/ directly: InputError, input_error() and excerpt()
// moved to core/input_error.hpp.
#include "core/input_error.hpp"
