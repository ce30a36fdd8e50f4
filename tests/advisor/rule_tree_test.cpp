// Each rule fires on a scenario built to trigger it and not on its neighbour just across the threshold.
#include <algorithm>
#include <catch2/catch.hpp>

#include "advisor_scenarios.hpp"

using namespace servesim;
using test::advisor_base;
using test::answer_at;
using test::rules_for;
using test::scenario_from;

TEST_CASE("advisor::fulfils: a serverless GPU fulfils a serverless verdict, nothing else crosses classes") {
  using P = advisor::Placement;
  CHECK(advisor::fulfils(P::serverless, P::gpu_serverless));
  CHECK(advisor::fulfils(P::container, P::container));
  CHECK_FALSE(advisor::fulfils(P::container, P::gpu_serverless));
  CHECK_FALSE(advisor::fulfils(P::gpu_serverless, P::serverless));
  CHECK_FALSE(advisor::fulfils(P::serverless, P::container));
}

TEST_CASE("advisor::RuleTree: each rule fires on its scenario and not on its neighbour") {
  SECTION("SLO 9 ms excludes serverless, 11 ms does not") {
    const auto tight = rules_for(advisor_base(9));
    CHECK(answer_at(tight, "q_slo") == "yes");
    CHECK(tight.verdict_id == "v_warm_container");
    REQUIRE(tight.open.size() == 1);
    CHECK(tight.open[0] == advisor::Placement::container);
    CHECK(std::count(tight.excluded.begin(), tight.excluded.end(), advisor::Placement::gpu_serverless) == 1);
    const auto loose = rules_for(advisor_base(11));
    CHECK(answer_at(loose, "q_slo") == "no");
    CHECK(loose.open.size() == 3);  // serverless, containers, serverless GPU
  }
  SECTION("a 5.1 GB model prefers containers, a 4.9 GB one does not") {
    auto big = advisor_base();
    big["advisor"]["model_size_mb"] = 5100;
    auto small = advisor_base();
    small["service"]["cold_start"] = {{"model_size_mb", 4900}};  // from the service section
    const auto b = rules_for(big), s = rules_for(small);
    CHECK(answer_at(b, "q_model") == "yes");
    CHECK(b.verdict_id == "v_containers_model");
    CHECK(*b.preferred == advisor::Placement::container);
    // A serverless GPU holds the large model too: the evidence may compare it, but it does not fulfil the
    // verdict.
    CHECK(std::count(b.open.begin(), b.open.end(), advisor::Placement::gpu_serverless) == 1);
    CHECK_FALSE(advisor::fulfils(*b.preferred, advisor::Placement::gpu_serverless));
    CHECK(answer_at(s, "q_model") == "no");
    CHECK(s.path[1].because == "model 4900 MB <= 5000 MB");
  }
  SECTION("stateful prefers containers; stateless does not") {
    auto doc = advisor_base();
    doc["advisor"]["stateful"] = true;
    doc["advisor"]["state_store"] = "redis";
    CHECK(rules_for(doc).verdict_id == "v_containers_stateful");
    CHECK(answer_at(rules_for(doc), "q_external_state") == "no");
    CHECK(answer_at(rules_for(advisor_base()), "q_stateful") == "no");
  }
  SECTION("stateful with a function candidate keeping state in a state-store stage: functions stay open") {
    // The seed article's externalised state: a Lambda topology with a DynamoDB state-store stage makes the
    // stateful question lead on to the other rules (here none fires: no preference, the evidence decides).
    auto doc = advisor_base();
    doc["advisor"]["stateful"] = true;
    doc["advisor"]["state_store"] = "dynamodb";
    doc["candidates"].push_back(
        {{"name", "fn-ddb"},
         {"platform", "topology"},
         {"stages",
          {{{"id", "fn"},
            {"kind", "model"},
            {"candidate", {{"platform", "aws-lambda"}, {"memory_mb", 1024}}}},
           {{"id", "session"}, {"kind", "state-store"}, {"service", "dynamodb-on-demand"}}}},
         {"edges", nlohmann::json::array({nlohmann::json::array({"fn", "session"})})}});
    const auto r = rules_for(doc);
    CHECK(answer_at(r, "q_stateful") == "yes");
    CHECK(answer_at(r, "q_external_state") == "yes");
    const auto step = std::find_if(r.path.begin(), r.path.end(), [](const advisor::RuleStep& s) {
      return s.node_id == "q_external_state";
    });
    REQUIRE(step != r.path.end());
    CHECK(step->because == "fn-ddb (dynamodb-on-demand): functions viable, the evidence decides");
    CHECK(r.verdict_id == "v_no_preference");
    // A state store behind a container pool is no evidence for functions.
    doc["candidates"][1]["stages"][0]["candidate"] = {{"platform", "fixed-pool"}, {"servers", 2}};
    CHECK(rules_for(doc).verdict_id == "v_containers_stateful");
  }
  SECTION("GPU-intensive: 5.1 GFLOP at 20 GFLOP/s (255 ms) > 0.5 x 500 ms; 4.9 GFLOP (245 ms) is not") {
    auto heavy = advisor_base(), light = advisor_base();
    heavy["advisor"]["gflops_per_request"] = 5.1;
    light["advisor"]["gflops_per_request"] = 4.9;
    CHECK(rules_for(heavy).verdict_id == "v_containers_gpu");
    CHECK(answer_at(rules_for(light), "q_gpu") == "no");
  }
  SECTION("steady high throughput: 20 req/s x 50 ms = 1.0 busy; 8 req/s (0.4) is not") {
    auto busy = advisor_base(), quiet = advisor_base();
    busy["workload"]["rate_rps"] = 20;
    quiet["workload"]["rate_rps"] = 8;
    CHECK(rules_for(busy).verdict_id == "v_containers_steady");
    const auto q = rules_for(quiet);
    CHECK(answer_at(q, "q_steady") == "no");
    CHECK(q.verdict_id == "v_no_preference");
    CHECK_FALSE(q.preferred.has_value());
  }
  SECTION("a 10x spike is spiky, a 2x one is not") {
    auto spike = [](double factor) {
      auto doc = advisor_base();
      doc["workload"] = {{"type", "spike"},      {"base_rps", 1}, {"spike_factor", factor},
                         {"spike_start_s", 600}, {"ramp_s", 60},  {"spike_duration_s", 300},
                         {"duration_s", 1800}};
      return doc;
    };
    CHECK(rules_for(spike(10)).verdict_id == "v_serverless_spiky");
    CHECK(answer_at(rules_for(spike(2)), "q_spiky") == "no");
  }
  SECTION("event-driven, microservices, cost-sensitive and experimental each prefer serverless") {
    for (const auto& [flag, verdict] :
         std::vector<std::pair<std::string, std::string>>{{"event_driven", "v_serverless_event"},
                                                          {"microservices", "v_serverless_microservices"},
                                                          {"cost_sensitive", "v_serverless_cost"},
                                                          {"experimental", "v_serverless_experimental"}}) {
      auto doc = advisor_base();
      doc["advisor"][flag] = true;
      CHECK(rules_for(doc).verdict_id == verdict);
      CHECK(*rules_for(doc).preferred == advisor::Placement::serverless);
    }
    CHECK(rules_for(advisor_base()).verdict_id == "v_no_preference");
  }
  SECTION(
      "microservices architecture in use -> serverless (the seed article's rule), asked after event-driven") {
    auto doc = advisor_base();
    CHECK(answer_at(rules_for(doc), "q_microservices") == "no");
    doc["advisor"]["microservices"] = true;
    const auto micro = rules_for(doc);
    CHECK(answer_at(micro, "q_event") == "no");
    CHECK(answer_at(micro, "q_microservices") == "yes");
    const auto step = std::find_if(micro.path.begin(), micro.path.end(),
                                   [](const advisor::RuleStep& s) { return s.node_id == "q_microservices"; });
    REQUIRE(step != micro.path.end());
    CHECK(step->because == "advisor.microservices is true");
    CHECK(micro.verdict == "Serverless: each service deploys and scales on its own");
    CHECK(answer_at(micro, "q_cost") == "");  // the first yes decides: cost is never asked
    CHECK(micro.open.size() == 3);            // a preference, not an exclusion: the evidence still decides
    // A stateful microservice asks the stateful question first: containers.
    doc["advisor"]["stateful"] = true;
    doc["advisor"]["state_store"] = "redis";
    CHECK(rules_for(doc).verdict_id == "v_containers_stateful");
    CHECK(answer_at(rules_for(doc), "q_microservices") == "");
  }
  SECTION("repeated inputs put an edge cache in front whatever the back end") {
    auto hot = advisor_base(9), cold = advisor_base(9);
    hot["advisor"]["popularity"] = {{"zipf_s", 1.0}, {"catalogue_size", 100}};
    cold["advisor"]["popularity"] = {{"zipf_s", 0.0}, {"catalogue_size", 1000000}};
    const auto h = rules_for(hot), c = rules_for(cold);
    CHECK(h.edge_cache);
    CHECK(h.verdict_id == "v_warm_container");
    CHECK_FALSE(c.edge_cache);
    CHECK(answer_at(c, "q_cache") == "no");
  }
  SECTION("repeated inputs measured from a trace's key column: 31% repeats fire the rule, 29% do not") {
    // 100 requests, one per second: the first `distinct` of them name new inputs, the rest repeat input 0.
    // Share of requests whose input was seen before = 1 - distinct / 100 (by definition, no model involved).
    test::TempDir dir;
    auto keyed = [&](int distinct) {
      std::string csv = "TIMESTAMP,input\n";
      for (int i = 0; i < 100; ++i)
        csv += std::to_string(i) + ",q" + std::to_string(i < distinct ? i : 0) + "\n";
      auto doc = advisor_base();
      doc["workload"] = {{"type", "request_trace"},
                         {"path", dir.write("keys-" + std::to_string(distinct) + ".csv", csv)},
                         {"key_column", "input"}};
      return doc;
    };
    const auto hot = keyed(69), cold = keyed(71);
    const auto sc = scenario_from(hot);
    const auto facts = advisor::derive_facts(sc, advisor::parse_advisor_section(sc));
    REQUIRE(facts.repeat_share);
    CHECK(*facts.repeat_share == Approx(0.31));
    CHECK(facts.repeat_share_measured);
    CHECK(facts.traffic.distinct_keys == 69);
    CHECK(rules_for(hot).edge_cache);
    CHECK(answer_at(rules_for(hot), "q_cache") == "yes");
    CHECK_FALSE(rules_for(cold).edge_cache);
    CHECK(rules_for(cold).path.back().because == "29% of requests repeat an input < 30%");
    // A Zipf popularity besides the trace's keys is refused: the two would say different things.
    auto both = hot;
    both["advisor"]["popularity"] = {{"zipf_s", 1.0}, {"catalogue_size", 100}};
    REQUIRE_THROWS_WITH(
        advisor::parse_advisor_section(scenario_from(both)),
        "test-scenario.json: /advisor/popularity: not used with workload.key_column: the trace's "
        "keys give the share of repeated inputs; expected one of the two");
  }
  SECTION("a threshold override moves the boundary") {
    auto doc = advisor_base(15);
    CHECK(answer_at(rules_for(doc), "q_slo") == "no");
    doc["advisor"]["thresholds"] = {{"serverless_min_slo_ms", {{"value", 20}, {"unit", "ms"}}}};
    CHECK(answer_at(rules_for(doc), "q_slo") == "yes");
  }
}

TEST_CASE("advisor::RuleTree: prints as text and as Graphviz DOT") {
  const advisor::RuleTree tree;
  const advisor::Thresholds th;
  const auto text = tree.to_text(th);
  CHECK_THAT(text, Catch::Contains("serverless_min_slo_ms = 10 ms"));
  CHECK_THAT(text, Catch::Contains("(excludes serverless, serverless GPU)"));
  const auto dot = tree.to_dot(th);
  CHECK_THAT(dot, Catch::StartsWith("digraph"));
  CHECK_THAT(dot, Catch::Contains("label=\"yes\""));
  CHECK_THAT(dot, Catch::Contains("id=\"q_cache\""));
  CHECK_THAT(text, Catch::Contains("? Is the model one service of a microservices architecture?"));
  CHECK_THAT(dot, Catch::Contains("id=\"q_microservices\""));
  // 12 questions (11 back-end ones and the cache), 13 verdicts (11 back-end ones, cache and no cache).
  CHECK(boost::num_vertices(tree.graph()) == 25);
}
