// The evidence step: simulation on the scenario's traffic can overturn the rules' preference, and the verdict
// says so with numbers.
#include <catch2/catch.hpp>

#include "advisor/advisor.hpp"
#include "advisor_scenarios.hpp"

using namespace servesim;

namespace {

// 2 req/s with a sudden 50x spike for two minutes: the rules call it spiky and prefer serverless. But every
// request that finds no idle Lambda environment waits for a 6.5 s cold start: the ~650 arrivals of the
// spike's first 6.5 s (~5% of all) miss the 1 s SLO, while a warm pool of 40 servers (peak load 100 req/s x
// 300 ms = 30 busy) meets it.
nlohmann::json spiky_doc() {
  auto doc = test::advisor_base(1000);
  doc["service"]["warm"] = {{"type", "constant"}, {"value_ms", 300}};
  doc["workload"] = {{"type", "spike"},      {"base_rps", 2}, {"spike_factor", 50},
                     {"spike_start_s", 300}, {"ramp_s", 1},   {"spike_duration_s", 120},
                     {"duration_s", 1200}};
  doc["service"]["cold_start"] = {{"runtime_init", {{"type", "constant"}, {"value_ms", 500}}},
                                  {"model_load", {{"type", "constant"}, {"value_ms", 6000}}}};
  doc["candidates"] = {
      {{"name", "lambda-2048"}, {"platform", "aws-lambda"}, {"memory_mb", 2048}, {"timeout_s", 30}},
      {{"name", "pool-40"}, {"platform", "fixed-pool"}, {"servers", 40}}};
  doc["advisor"] = {{"default_candidates", false},
                    {"cascade",
                     {{{"name", "distilled"},
                       {"latency_ms", 10},
                       {"cost_usd_per_request", 1e-6},
                       {"stop_probability", 0.7}},
                      {{"name", "full"}, {"latency_ms", 100}, {"cost_usd_per_request", 1e-5}}}}};
  return doc;
}

}  // namespace

TEST_CASE("advisor::advise: the evidence overturns the rules' preference and the verdict says so") {
  const auto rec = advisor::advise(test::scenario_from(spiky_doc()));
  REQUIRE(rec.rules.preferred.has_value());
  CHECK(*rec.rules.preferred == advisor::Placement::serverless);
  CHECK(rec.rules.verdict_id == "v_serverless_spiky");
  REQUIRE(rec.evidence.ranked.size() == 2);
  const auto& best = rec.best();
  CHECK(best.spec.name == "pool-40");
  CHECK(best.meets_slo);
  CHECK(rec.any_meets_slo);
  CHECK_FALSE(rec.rules_agree);
  CHECK_THAT(rec.verdict, Catch::Contains("disagree"));
  CHECK_THAT(rec.verdict, Catch::Contains("Following the evidence"));
  const auto& lambda = rec.evidence.ranked[1];
  CHECK_FALSE(lambda.meets_slo);
  CHECK(lambda.busiest_cold_starts > 0);
  CHECK_THAT(lambda.reason, Catch::Contains("lambda-2048: "));
  CHECK_THAT(lambda.reason, Catch::Contains(" cold starts, "));
  CHECK_THAT(rec.verdict, Catch::Contains(lambda.reason));

  SECTION("the JSON carries the ranking, the rule path and the verdict") {
    const auto j = advisor::to_json(rec);
    CHECK(j["recommendation"]["name"] == "pool-40");
    CHECK(j["rules_agree"] == false);
    CHECK(j["candidates"][1]["reason"] == lambda.reason);
    CHECK(j["rules"]["path"].size() >= 6);
    CHECK(j["cascade"]["mean_latency_ms"]["analytical"].get<double>() == Approx(40));
  }
  SECTION("the text report has the table and the reasons") {
    const auto text = advisor::to_text(rec);
    CHECK_THAT(text, Catch::Contains("peak/mean"));
    CHECK_THAT(text, Catch::Contains("Not recommended"));
    CHECK_THAT(text, Catch::Contains("(misses SLO)"));
  }
}

TEST_CASE("advisor::advise: open placements without candidates get catalogue defaults") {
  auto doc = test::advisor_base(500);
  doc["workload"]["duration_s"] = 120;
  doc["advisor"]["default_candidates"] = true;
  const auto sc = test::scenario_from(doc);
  const auto section = advisor::parse_advisor_section(sc);
  const auto facts = advisor::derive_facts(sc, section);
  const auto rules = advisor::RuleTree().evaluate(facts, section.thresholds);
  std::vector<std::string> notes;
  const auto specs = advisor::evidence_candidates(sc, facts, rules, section, &notes);
  // The scenario lists a container (pool); serverless gets the defaults present in the catalogue.
  std::vector<std::string> names;
  for (const auto& s : specs) names.push_back(s.name);
  CHECK(names.front() == "pool");
  CHECK(std::find(names.begin(), names.end(), "default-lambda-2048") != names.end());
  for (const auto& s : specs)
    if (s.name != "pool") CHECK(advisor::placement_of(s.platform) == advisor::Placement::serverless);
}

TEST_CASE("advisor::advise: a serverless candidate with a GPU is placed as serverless GPU") {
  // Cloud Run with an L4 (at least 4 vCPU and 16 GiB with a GPU, its catalogue file) beside the pool.
  auto doc = test::advisor_base(500);
  doc["workload"]["duration_s"] = 120;
  doc["advisor"]["default_candidates"] = false;
  doc["candidates"].push_back({{"name", "run-l4"},
                               {"platform", "gcp-cloud-run"},
                               {"gpu", "nvidia-l4"},
                               {"vcpu", 4},
                               {"memory_gib", 16}});
  const auto rec = advisor::advise(test::scenario_from(doc));
  REQUIRE(rec.evidence.ranked.size() == 2);
  for (const auto& c : rec.evidence.ranked)
    CHECK(c.placement ==
          (c.spec.name == "run-l4" ? advisor::Placement::gpu_serverless : advisor::Placement::container));
  CHECK(advisor::to_json(rec)["rules"]["open"].dump() == R"(["serverless","containers","serverless GPU"])");

  // An SLO under 10 ms excludes both serverless classes: a GPU does not remove the cold starts.
  doc["slo"]["p99_ms"] = 9;
  const auto tight = advisor::advise(test::scenario_from(doc));
  REQUIRE(tight.evidence.ranked.size() == 1);
  CHECK(tight.evidence.ranked[0].spec.name == "pool");
  CHECK(std::find(tight.notes.begin(), tight.notes.end(),
                  "run-l4 not simulated: the rules exclude serverless GPU") != tight.notes.end());
}

TEST_CASE("advisor::advise: a serving topology is placed by its stages") {
  // An edge cache in front of a Lambda, and the same cache in front of a warm pool.
  auto topology = [](const std::string& name, const nlohmann::json& origin) {
    return nlohmann::json{
        {"name", name},
        {"platform", "topology"},
        {"stages",
         {{{"id", "cache"}, {"kind", "edge-cache"}, {"catalogue_items", 100}, {"ttl_s", 60}},
          {{"id", "origin"}, {"kind", "model"}, {"candidate", origin}}}},
        {"edges", nlohmann::json::array({nlohmann::json::array({"cache", "origin"})})}};
  };
  auto run_with_slo = [&](double slo_ms) {
    auto doc = test::advisor_base(slo_ms);
    doc["workload"]["duration_s"] = 120;
    doc["advisor"]["default_candidates"] = false;
    doc["candidates"] = {topology("cache-lambda", {{"platform", "aws-lambda"}, {"memory_mb", 2048}}),
                         topology("cache-pool", {{"platform", "fixed-pool"}, {"servers", 2}})};
    return advisor::advise(test::scenario_from(doc));
  };
  SECTION("an SLO under 10 ms excludes the topology whose origin is serverless, and says which stage") {
    const auto rec = run_with_slo(9);
    REQUIRE(rec.evidence.ranked.size() == 1);
    CHECK(rec.evidence.ranked[0].spec.name == "cache-pool");
    CHECK(rec.evidence.ranked[0].placement == advisor::Placement::container);
    CHECK(std::find(rec.notes.begin(), rec.notes.end(),
                    "cache-lambda not simulated: the rules exclude serverless (its stage \"origin\" on "
                    "aws-lambda)") != rec.notes.end());
  }
  SECTION("with both placements open each topology is simulated under its origin's placement") {
    const auto rec = run_with_slo(500);
    REQUIRE(rec.evidence.ranked.size() == 2);
    for (const auto& c : rec.evidence.ranked)
      CHECK(c.placement ==
            (c.spec.name == "cache-lambda" ? advisor::Placement::serverless : advisor::Placement::container));
  }
}

TEST_CASE(
    "advisor::advise: a default whose platform cannot deploy the packaging is left out with the reason") {
  // A 20,000 MB model in a zip package: Lambda's zip holds 250 MB unzipped and an image 10,240 MB, so the
  // Lambda default is not simulated; the note quotes the platform's refusal.
  auto doc = test::advisor_base(500);
  doc["workload"]["duration_s"] = 120;
  doc["advisor"]["default_candidates"] = true;
  doc["service"]["cold_start"] = {{"source", "zip"}, {"model_size_mb", 20000}};
  const auto sc = test::scenario_from(doc);
  const auto section = advisor::parse_advisor_section(sc);
  const auto facts = advisor::derive_facts(sc, section);
  const auto rules = advisor::RuleTree().evaluate(facts, section.thresholds);
  std::vector<std::string> notes;
  const auto specs = advisor::evidence_candidates(sc, facts, rules, section, &notes);
  for (const auto& s : specs) CHECK(s.name != "default-lambda-2048");
  bool noted = false;
  for (const auto& n : notes)
    noted = noted ||
            (n.rfind("default aws-lambda not simulated: ", 0) == 0 &&
             n.find("does not fit a Lambda zip (250 MB unzipped, layers included) or image (10,240 MB)") !=
                 std::string::npos);
  CHECK(noted);
}

TEST_CASE(
    "advisor::advise: the microservices rule prefers serverless and the verdict rests on simulated "
    "evidence") {
  // 2 req/s for 120 s, 50 ms per request on one vCPU, SLO 500 ms; the model is one microservice. The rules
  // prefer serverless (the seed article's "microservices architecture in use -> serverless"); both candidates
  // are simulated on the same arrivals and the verdict follows them.
  auto doc = test::advisor_base(500);
  doc["workload"]["duration_s"] = 120;
  doc["advisor"] = {{"microservices", true}, {"default_candidates", false}};
  auto simulated_on_every_arrival = [](const advisor::Recommendation& rec) {
    REQUIRE(rec.evidence.ranked.size() == 2);
    for (const auto& c : rec.evidence.ranked) {
      CHECK(c.result.requests.arrived == rec.facts.traffic.requests);
      CHECK(c.result.requests.arrived > 0);
    }
  };
  SECTION("a Lambda of 1,024 MB meets the SLO and costs less than the pool: the evidence agrees") {
    // Lambda 1,024 MB = 1024/1769 = 0.58 vCPU: 50 ms / 0.58 = 86 ms per request, within 500 ms; ~240 requests
    // x (86 ms x 1 GB x $0.0000166667/GB-s + $0.20/M) = ~$0.0004. The pool: 2 servers x $0.0416/h x 120 s =
    // $0.0028, 7x more, at a load of 2 x 0.05 = 0.1 busy servers (no wait).
    doc["candidates"] = {
        {{"name", "pool"}, {"platform", "fixed-pool"}, {"servers", 2}},
        {{"name", "lambda-1024"}, {"platform", "aws-lambda"}, {"memory_mb", 1024}, {"timeout_s", 10}}};
    const auto rec = advisor::advise(test::scenario_from(doc));
    CHECK(rec.facts.microservices);
    CHECK(rec.rules.verdict_id == "v_serverless_microservices");
    REQUIRE(rec.rules.preferred.has_value());
    CHECK(*rec.rules.preferred == advisor::Placement::serverless);
    simulated_on_every_arrival(rec);
    CHECK(rec.best().spec.name == "lambda-1024");
    CHECK(rec.best().meets_slo);
    CHECK(rec.rules_agree);
    CHECK_THAT(rec.verdict, Catch::Contains("Rules: Serverless: each service deploys and scales on its own"));
    CHECK_THAT(rec.verdict, Catch::Contains("The evidence agrees with the rules."));
    const auto j = advisor::to_json(rec);
    CHECK(j["facts"]["microservices"] == true);
    CHECK_THAT(advisor::to_text(rec), Catch::Contains("microservices           yes"));
  }
  SECTION("a Lambda of 128 MB misses the SLO: the verdict says the rules and the evidence disagree") {
    // 128 MB = 0.072 vCPU: 50 ms / 0.072 = 691 ms per request > 500 ms, so no request is within the SLO;
    // the pool serves each in 50 ms.
    doc["candidates"] = {
        {{"name", "pool"}, {"platform", "fixed-pool"}, {"servers", 2}},
        {{"name", "lambda-128"}, {"platform", "aws-lambda"}, {"memory_mb", 128}, {"timeout_s", 10}}};
    const auto rec = advisor::advise(test::scenario_from(doc));
    CHECK(rec.rules.verdict_id == "v_serverless_microservices");
    simulated_on_every_arrival(rec);
    CHECK(rec.best().spec.name == "pool");
    CHECK_FALSE(rec.rules_agree);
    CHECK_THAT(rec.verdict, Catch::Contains("disagree"));
    CHECK_THAT(rec.verdict, Catch::Contains("Following the evidence"));
    CHECK(rec.evidence.ranked[1].attainment == 0);
  }
}
