// The registration of aws-lambda (one line in platforms/registered_platforms.cpp): its name and the factory
// that builds its model from a candidate's settings, checked against platforms/aws_lambda/aws-lambda.json.
#include "platforms/aws_lambda/lambda_export.hpp"
#include "platforms/aws_lambda/lambda_model.hpp"
#include "platforms/catalog.hpp"
#include "platforms/registry.hpp"

namespace servesim::platforms {

PlatformRegistration aws_lambda_platform() {
  PlatformRegistration r;
  r.name = "aws-lambda";
  r.make = [](const sim::CandidateSpec& candidate, const sim::Scenario& scenario) {
    const Settings settings(candidate, scenario.file);
    return std::unique_ptr<sim::PlatformModel>(
        std::make_unique<LambdaModel>(LambdaParams::from(settings, scenario.service), scenario));
  };
  r.exports = lambda_export_formats();
  return r;
}

}  // namespace servesim::platforms
