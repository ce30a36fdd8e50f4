// Where a Lambda cold start gets the model from (service.cold_start.source) and the documented limits that
// refuse a packaging Lambda cannot deploy. Sources and figures: platforms/aws_lambda/aws-lambda.json.
#include <cmath>
#include <string>

#include "platforms/aws_lambda/lambda_model.hpp"

namespace servesim::platforms {

namespace {

using Source = sim::ServiceSpec::ModelSource;

void check_snapstart(const Settings& s, const LambdaParams& p, Source source) {
  // snapstart.html: not with container images, Amazon EFS, provisioned concurrency or /tmp above 512 MB.
  const auto refuse = [&](const std::string& with, const std::string& feature) {
    return s.error("snapstart", "expected false with " + with + " (SnapStart does not support " + feature +
                                    "; drop snapstart or change that), got true");
  };
  if (source == Source::image) throw refuse("source image", "container images");
  if (source == Source::efs) throw refuse("source efs", "Amazon EFS");
  if (p.provisioned_concurrency > 0)
    throw refuse("provisioned_concurrency " + std::to_string(p.provisioned_concurrency),
                 "provisioned concurrency");
  if (p.provisioned_concurrency_max() > 0)
    throw refuse("a provisioned_concurrency_schedule", "provisioned concurrency");
  if (p.ephemeral_storage_mb > 512)
    throw refuse("ephemeral_storage_mb " + format_mb(p.ephemeral_storage_mb),
                 "ephemeral storage above 512 MB");
}

}  // namespace

ColdStartPath lambda_cold_start_path(const Settings& s, const LambdaParams& p,
                                     const sim::ServiceSpec& service) {
  ColdStartPath path =
      model_store_path(service, p.store_per_connection_bytes_per_s, p.store_shared_bytes_per_s);
  const double model_mb = service.model_size_mb, code_mb = service.package_mb, total_mb = model_mb + code_mb;
  const double zip_max_mb = s.number("code_unzipped_max_mb");
  const double image_max_mb = s.number("image_max_mb");
  const std::string sizes = code_mb > 0 ? "package " + format_mb(total_mb) + " (model " +
                                              format_mb(model_mb) + " + code " + format_mb(code_mb) + ")"
                                        : "model " + format_mb(model_mb);
  const std::string zip_limit = "a Lambda zip (" + format_mb(zip_max_mb) + " unzipped, layers included)";
  const std::string image_limit = "image (" + format_mb(image_max_mb) + ")";
  switch (service.model_source) {
    case Source::unset:  // the model downloaded from the model store (S3), as before sources existed
      break;
    case Source::zip:
    case Source::layer: {
      const auto layers_max = static_cast<uint32_t>(s.number("layers_max"));
      if (service.model_source == Source::layer && service.layers > layers_max)
        throw s.candidate_error(std::to_string(service.layers) + " layers exceed Lambda's " +
                                std::to_string(layers_max) +
                                " layers per function; merge layers or use image");
      if (total_mb > image_max_mb)
        throw s.candidate_error(sizes + " does not fit " + zip_limit + " or " + image_limit +
                                "; use efs or another platform");
      if (total_mb > zip_max_mb)
        throw s.candidate_error(sizes + " does not fit " + zip_limit + "; use image (up to " +
                                format_mb(image_max_mb) + "), efs or object-store");
      // The package (model inside) comes from Lambda's code storage in S3 (Lambda FAQ), at the store's rates.
      path.pull(total_mb * 1e6);
      break;
    }
    case Source::image:
      if (total_mb > image_max_mb)
        throw s.candidate_error(sizes + " does not fit a Lambda container " + image_limit +
                                "; use efs or another platform");
      // Lazy loading: the model is read whole by its load, the rest only in the chunks that are touched.
      path.pull((model_mb + s.number("image_read_fraction") * code_mb) * 1e6);
      break;
    case Source::efs:
      path.per_connection_bytes_per_s = s.number("efs_per_client_mb_per_s") * 1e6;
      path.shared_bytes_per_s = s.number("efs_shared_gb_per_s") * 1e9;
      break;
    case Source::object_store: {
      // Downloaded to /tmp (configuration-ephemeral-storage.html: ML inference downloads models there).
      const double tmp_max_mb = s.entry().find("ephemeral_storage_mb")->max;
      if (model_mb > tmp_max_mb)
        throw s.candidate_error("model " + format_mb(model_mb) + " does not fit Lambda's /tmp (" +
                                format_mb(tmp_max_mb) +
                                " at most) for source object-store; use efs or another " + "platform");
      if (model_mb > p.ephemeral_storage_mb)
        throw s.error("ephemeral_storage_mb",
                      format_mb(p.ephemeral_storage_mb) +
                          (s.is_overridden("ephemeral_storage_mb") ? "" : " (the catalogue default)") +
                          " cannot hold the model downloaded to /tmp: " + format_mb(model_mb) +
                          " (source object-store); give ephemeral_storage_mb of at least " +
                          std::to_string(static_cast<long long>(std::ceil(model_mb - 1e-9))) +
                          ", or use efs or image");
      break;
    }
    case Source::volume:
      throw s.candidate_error(
          "Lambda mounts no volume but Amazon EFS (source volume); use efs, object-store, image, zip or "
          "layer");
  }
  if (p.snapstart) {
    check_snapstart(s, p, service.model_source);
    path.restore_s = s.number("snapstart_restore_s");
  }
  return path;
}

}  // namespace servesim::platforms
