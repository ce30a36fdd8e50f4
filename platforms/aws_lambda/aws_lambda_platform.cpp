// The registration of aws-lambda (one line in platforms/registered_platforms.cpp): its name and the factory
// that builds its model from a candidate's settings, checked against platforms/aws_lambda/aws-lambda.json.
#include "core/input_error.hpp"
#include "core/json_fields.hpp"
#include "platforms/aws_lambda/kinesis_event_source.hpp"
#include "platforms/aws_lambda/lambda_export.hpp"
#include "platforms/aws_lambda/lambda_model.hpp"
#include "platforms/aws_lambda/sqs_event_source.hpp"
#include "platforms/catalog.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

PlatformRegistration aws_lambda_platform() {
  PlatformRegistration r;
  r.name = "aws-lambda";
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const Settings settings(candidate, scenario.file);
    const LambdaParams params = LambdaParams::from(settings, scenario.service, scenario.workload);
    auto function = std::make_unique<LambdaModel>(params, scenario);
    // A candidate made outside the scenario file (the advisor's) takes the scenario's event source.
    const sim::EventSourceSpec& source =
        candidate.event_source.given ? candidate.event_source : scenario.event_source;
    // A synchronous caller gets a function error back and Lambda does not retry it; an event source mapping
    // has its own failing records.
    if (params.function_error_probability > 0 && (!scenario.client.async || source.given))
      throw settings.error("function_error_probability",
                           source.given ? "expected 0 with an event source (its record_failure_probability "
                                          "says which records fail), got " +
                                              core::quote_number(params.function_error_probability)
                                        : "expected 0 unless client.invocation is \"async\" (a synchronous "
                                          "caller gets the error back and Lambda does not retry it), got " +
                                              core::quote_number(params.function_error_probability));
    // No event source, or one Lambda does not read (Pub/Sub push: the model factory refuses it).
    if (!source.given || source.type == sim::EventSourceSpec::Type::pubsub)
      return std::unique_ptr<sim::PlatformModel>(std::move(function));
    if (source.type == sim::EventSourceSpec::Type::kinesis)
      return std::unique_ptr<sim::PlatformModel>(
          std::make_unique<KinesisEventSource>(std::move(function), source, scenario.seed));
    // Lambda refuses a mapping whose queue hides a received message for less than the function may run.
    if (source.visibility_timeout_s < params.timeout_s)
      throw input_error(scenario.file, candidate.event_source_pointer + "/visibility_timeout_s",
                        "expected at least the function timeout of candidate \"" + candidate.name + "\" (" +
                            core::quote_number(params.timeout_s) + " s), got " +
                            core::quote_number(source.visibility_timeout_s));
    return std::unique_ptr<sim::PlatformModel>(
        std::make_unique<SqsEventSource>(std::move(function), source, scenario.seed));
  };
  r.exports = lambda_export_formats();
  return r;
}

}  // namespace servesim::platforms
