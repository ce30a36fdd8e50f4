#pragma once
// Forwarding header, removed once platforms/ includes core/ directly: the SIGINT/SIGTERM stop request moved
// to core/interrupt.hpp (namespace servesim::core).
#include "core/interrupt.hpp"

namespace servesim::sim {
using core::install_interrupt_handlers;
using core::interrupt_signal;
using core::Interrupted;
using core::request_interrupt;
using core::signal_name;
using core::throw_if_interrupted;
}  // namespace servesim::sim
