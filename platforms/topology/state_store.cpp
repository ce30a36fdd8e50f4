#include "platforms/topology/state_store.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/input_error.hpp"

namespace servesim::platforms {

const std::string&
embedded_state_stores();  // generated at build time from platforms/topology/state-stores.json

namespace {

const char* kStoresFile = "platforms/topology/state-stores.json";
// z of the standard normal's 99th percentile: a lognormal's p99 = median x exp(2.3263 sigma).
constexpr double kZ99 = 2.3263478740408408;

[[noreturn]] void bad_store_catalog(const std::string& where, const std::string& what) {
  throw std::logic_error(std::string(kStoresFile) + ": " + where + ": " + what);
}

std::string store_text(const nlohmann::json& j, const char* key, const std::string& where, bool required) {
  if (!j.contains(key)) {
    if (required) bad_store_catalog(where + "/" + key, "missing");
    return "";
  }
  if (!j.at(key).is_string()) bad_store_catalog(where + "/" + key, "expected a string");
  return j.at(key).get<std::string>();
}

std::vector<StateStoreService> load_state_stores() {
  const auto doc = nlohmann::json::parse(embedded_state_stores());
  std::vector<StateStoreService> out;
  const auto& services = doc.at("services");
  for (size_t i = 0; i < services.size(); ++i) {
    const auto& j = services[i];
    const std::string where = "/services/" + std::to_string(i);
    StateStoreService s;
    s.service = store_text(j, "service", where, true);
    s.title = store_text(j, "title", where, true);
    s.billing = store_text(j, "billing", where, true);
    s.throttling = store_text(j, "throttling", where, true);
    s.limits = store_text(j, "limits", where, true);
    s.node_type = store_text(j, "node_type", where, false);
    s.shared_capacity = j.value("shared_capacity", false);
    for (const auto& [key, p] : j.at("parameters").items()) {
      const std::string at = where + "/parameters/" + key;
      if (!p.contains("value") || !p.at("value").is_number())
        bad_store_catalog(at, "expected a number value");
      for (const char* field : {"unit", "status", "source"}) store_text(p, field, at, true);
      s.parameters[key] = p.at("value").get<double>();
    }
    out.push_back(std::move(s));
  }
  return out;
}

double lognormal_sigma(double median_s, double p99_s) {
  return std::log(p99_s / median_s) / kZ99;
}

}  // namespace

const std::vector<StateStoreService>& state_store_catalog() {
  static const std::vector<StateStoreService> services = load_state_stores();
  return services;
}

const StateStoreService* find_state_store(const std::string& service) {
  for (const auto& s : state_store_catalog())
    if (s.service == service) return &s;
  return nullptr;
}

std::string state_store_names() {
  std::string out;
  for (const auto& s : state_store_catalog()) out += (out.empty() ? "" : ", ") + s.service;
  return out;
}

StateStoreSettings read_state_store(core::JsonFields& f) {
  std::vector<std::string> names;
  for (const auto& s : state_store_catalog()) names.push_back(s.service);
  StateStoreSettings s;
  s.service = f.required_text("service", names);
  const StateStoreService& svc = *find_state_store(s.service);
  s.billing = svc.billing;
  s.throttling = svc.throttling;
  s.shared_capacity = svc.shared_capacity;
  s.retry_after = svc.shared_capacity;  // Cosmos DB's SDKs wait the 429's x-ms-retry-after-ms
  s.reads = static_cast<uint32_t>(f.integer("reads", 1, 0, 1000));
  s.writes = static_cast<uint32_t>(f.integer("writes", 1, 0, 1000));
  // 400 KB: DynamoDB's item size limit (the smallest of the services').
  s.item_kb = f.number("item_kb", 1, 0.001, 400);
  s.strong_reads = f.text("consistency", "eventual", {"eventual", "strong"}) == "strong";
  s.instance_cache = f.boolean("instance_cache", false);
  // Any catalogue number by its key.
  for (const auto& [key, value] : svc.parameters) {
    if (key == "max_attempts")
      s.p[key] = static_cast<double>(f.integer(key, static_cast<uint64_t>(value), 1, 100));
    else
      s.p[key] = f.number(key, value, 0, 1e12);
  }
  for (const char* access : {"read", "write"}) {
    const std::string median = std::string(access) + "_latency_median_ms";
    const std::string p99 = std::string(access) + "_latency_p99_ms";
    if (s.p[median] <= 0) throw f.error(median, "expected a latency > 0 ms, got 0");
    if (s.p[p99] < s.p[median])
      throw f.error(p99, "expected a p99 >= the median (" + core::quote_number(s.p[median]) + " ms), got " +
                             core::quote_number(s.p[p99]));
  }
  const auto units = [&](const char* unit_kb, const char* per_access) {
    return std::ceil(s.item_kb / s.p[unit_kb]) * s.p[per_access];
  };
  if (s.billing != "node") {
    s.read_units =
        units("read_unit_kb", "units_per_read") * (s.strong_reads ? 1.0 : s.p["eventual_read_factor"]);
    s.write_units = units("write_unit_kb", "units_per_write");
  }
  if (s.billing == "provisioned") {
    if (s.shared_capacity) {
      s.read_capacity_per_s = f.required_number("request_units_per_s", 1, 1e9);
    } else {
      s.read_capacity_per_s = f.required_number("read_capacity_units", 1, 1e9);
      s.write_capacity_per_s = f.required_number("write_capacity_units", 1, 1e9);
    }
    // A bucket holds max(1 s, burst_s) of capacity: an access larger than that can never be served.
    const double held_s = std::max(1.0, s.p["burst_s"]);
    const double write_capacity = s.shared_capacity ? s.read_capacity_per_s : s.write_capacity_per_s;
    if (s.reads > 0 && s.read_units > s.read_capacity_per_s * held_s)
      throw f.error(s.shared_capacity ? "request_units_per_s" : "read_capacity_units",
                    "expected at least the " + core::quote_number(s.read_units) +
                        " units one read of item_kb " + core::quote_number(s.item_kb) + " takes, got " +
                        core::quote_number(s.read_capacity_per_s));
    if (s.writes > 0 && s.write_units > write_capacity * held_s)
      throw f.error(s.shared_capacity ? "request_units_per_s" : "write_capacity_units",
                    "expected at least the " + core::quote_number(s.write_units) +
                        " units one write of item_kb " + core::quote_number(s.item_kb) + " takes, got " +
                        core::quote_number(write_capacity));
  }
  if (s.billing == "node") {
    s.nodes = static_cast<uint32_t>(f.integer("nodes", 1, 1, 1000));
    if (s.p["ops_per_s_per_node"] <= 0) throw f.error("ops_per_s_per_node", "expected a rate > 0, got 0");
  }
  return s;
}

void StateStore::Bucket::refill(double t) {
  if (t > t_s) {
    tokens = std::min(capacity, tokens + rate_per_s * (t - t_s));
    t_s = t;
  }
}

StateStore::StateStore(const StateStoreSettings& settings) : s_(settings) {
  auto p = [this](const char* key) {
    const auto it = s_.p.find(key);
    return it == s_.p.end() ? 0.0 : it->second;
  };
  read_mu_ = std::log(p("read_latency_median_ms") / 1e3);
  read_sigma_ = lognormal_sigma(p("read_latency_median_ms"), p("read_latency_p99_ms"));
  write_mu_ = std::log(p("write_latency_median_ms") / 1e3);
  write_sigma_ = lognormal_sigma(p("write_latency_median_ms"), p("write_latency_p99_ms"));
  if (s_.billing == "request") {
    read_usd_ = s_.read_units * p("price_usd_per_million_read_units") / 1e6;
    write_usd_ = s_.write_units * p("price_usd_per_million_write_units") / 1e6;
  }
  max_attempts_ = s_.throttling == "token-bucket" ? static_cast<uint32_t>(p("max_attempts")) : 1;
  const double held_s = std::max(1.0, p("burst_s"));
  // The run starts with full buckets: the table was idle for the burst window before it.
  read_bucket_.rate_per_s = s_.read_capacity_per_s;
  write_bucket_.rate_per_s = s_.shared_capacity ? 0 : s_.write_capacity_per_s;
  for (Bucket* b : {&read_bucket_, &write_bucket_}) b->tokens = b->capacity = b->rate_per_s * held_s;
  if (s_.throttling == "queue") {
    node_free_s_.assign(s_.nodes, 0.0);
    service_s_ = 1.0 / p("ops_per_s_per_node");
  }
}

double StateStore::draw_latency_s(bool is_write, sim::Rng& rng) const {
  const double mu = is_write ? write_mu_ : read_mu_, sigma = is_write ? write_sigma_ : read_sigma_;
  return sigma > 0 ? std::exp(mu + sigma * rng.normal()) : std::exp(mu);
}

StateStore::Access StateStore::access(bool is_write, double t_s, sim::Rng& rng) {
  const double latency_s = draw_latency_s(is_write, rng);
  if (s_.throttling == "token-bucket") {
    Bucket& b = is_write && !s_.shared_capacity ? write_bucket_ : read_bucket_;
    const double units = is_write ? s_.write_units : s_.read_units;
    b.refill(t_s);
    // The throttling error comes back after the same round trip as an answer.
    // (1e-9 units of slack: refills summed in floating point must not throttle an access that fits exactly.)
    if (b.tokens + 1e-9 < units) return {true, t_s + latency_s};
    b.tokens = std::max(0.0, b.tokens - units);
  } else if (s_.throttling == "queue") {
    // Keys hash evenly over the nodes; each node serves its operations in arrival order.
    const auto node =
        std::min(node_free_s_.size() - 1, static_cast<size_t>(rng.uniform() * node_free_s_.size()));
    const double start_s = std::max(t_s, node_free_s_[node]);
    node_free_s_[node] = start_s + service_s_;
    return {false, start_s + latency_s};
  }
  return {false, t_s + latency_s};
}

double StateStore::retry_delay_s(uint32_t retry, bool is_write, double t_s, sim::Rng& rng) const {
  const double max_s = s_.p.at("backoff_max_ms") / 1e3;
  if (s_.retry_after) {
    // The server's hint: the time until the bucket holds the access's units again, in whole milliseconds
    // (x-ms-retry-after-ms), at least 1 ms.
    Bucket b = is_write && !s_.shared_capacity ? write_bucket_ : read_bucket_;
    b.refill(t_s);
    const double units = is_write ? s_.write_units : s_.read_units;
    const double wait_ms =
        std::max(1.0, std::ceil(std::max(0.0, units - b.tokens) / b.rate_per_s * 1e3 - 1e-9));
    return std::min(max_s, wait_ms / 1e3);
  }
  // Full jitter (AWS SDK standard mode): random x 2^retry x base, at most the maximum.
  const double base_s = s_.p.at("backoff_base_ms") / 1e3;
  return std::min(max_s, rng.uniform() * std::ldexp(base_s, static_cast<int>(std::min(retry, 60u))));
}

double StateStore::standing_usd(double t_end_s) const {
  const double hours = t_end_s / 3600.0;
  if (s_.billing == "provisioned")
    return (s_.read_capacity_per_s * s_.p.at("price_usd_per_read_capacity_hour") +
            s_.write_capacity_per_s * s_.p.at("price_usd_per_write_capacity_hour")) *
           hours;
  if (s_.billing == "node") return s_.nodes * s_.p.at("price_usd_per_node_hour") * hours;
  return 0;
}

}  // namespace servesim::platforms
