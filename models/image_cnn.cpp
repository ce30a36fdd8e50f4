// ResNet-style CNN (He et al., "Deep Residual Learning for Image Recognition", CVPR 2016), basic blocks.
#include <cmath>
#include <vector>

#include "core/input_error.hpp"
#include "models/model_architectures.hpp"

namespace servesim::models {
namespace {

struct CnnShape {
  std::int64_t width;       // channels of the first stage; stages use 1x, 2x, 4x, 8x
  std::vector<int> blocks;  // basic blocks per stage
};

CnnShape cnn_preset(const std::string& size) {
  if (size == "small") return {16, {1, 1, 1, 1}};   // ~0.7 M parameters
  if (size == "base") return {64, {2, 2, 2, 2}};    // ResNet-18, 11.7 M parameters
  if (size == "large") return {160, {3, 4, 6, 3}};  // ResNet-34 at 2.5x width, ~136 M parameters
  throw InputError("--size: expected small, base or large, got '" + size + "'");
}

std::string conv_bn(GraphBuilder& b, const std::string& x, std::int64_t in_ch, std::int64_t out_ch,
                    int kernel, int stride, bool relu) {
  const float bound = std::sqrt(6.0f / static_cast<float>(in_ch * kernel * kernel));
  const std::string w = b.weight("conv_w", {out_ch, in_ch, kernel, kernel}, bound);
  std::string y = b.node("Conv", {x, w}, "conv");
  b.attr("kernel_shape", std::vector<std::int64_t>{kernel, kernel});
  b.attr("strides", std::vector<std::int64_t>{stride, stride});
  const std::int64_t pad = kernel / 2;
  b.attr("pads", std::vector<std::int64_t>{pad, pad, pad, pad});
  const std::string scale = b.weight_range("bn_scale", {out_ch}, 0.4f, 0.6f);
  const std::string bias = b.weight("bn_bias", {out_ch}, 0.05f);
  const std::string mean = b.weight("bn_mean", {out_ch}, 0.05f);
  const std::string var = b.weight_range("bn_var", {out_ch}, 0.8f, 1.2f);
  y = b.node("BatchNormalization", {y, scale, bias, mean, var}, "bn");
  return relu ? b.node("Relu", {y}, "relu") : y;
}

}  // namespace

std::string build_image_cnn(GraphBuilder& b, const std::string& size, double scale) {
  const CnnShape shape = cnn_preset(size);
  const std::int64_t width =
      std::max<std::int64_t>(4, std::llround(static_cast<double>(shape.width) * scale));
  b.add_input("image", onnx::TensorProto::FLOAT, {kBatchDim, 3, 224, 224});
  std::string x = conv_bn(b, "image", 3, width, 7, 2, true);  // 112x112
  x = b.node("MaxPool", {x}, "pool");
  b.attr("kernel_shape", std::vector<std::int64_t>{3, 3});
  b.attr("strides", std::vector<std::int64_t>{2, 2});
  b.attr("pads", std::vector<std::int64_t>{1, 1, 1, 1});  // 56x56
  std::int64_t channels = width;
  std::string blocks_text;
  for (std::size_t stage = 0; stage < shape.blocks.size(); ++stage) {
    const std::int64_t out_ch = width << stage;
    blocks_text += (stage ? "-" : "") + std::to_string(shape.blocks[stage]);
    for (int block = 0; block < shape.blocks[stage]; ++block) {
      const int stride = (stage > 0 && block == 0) ? 2 : 1;
      std::string shortcut = x;
      if (stride != 1 || channels != out_ch) shortcut = conv_bn(b, x, channels, out_ch, 1, stride, false);
      std::string y = conv_bn(b, x, channels, out_ch, 3, stride, true);
      y = conv_bn(b, y, out_ch, out_ch, 3, 1, false);
      x = b.node("Relu", {b.node("Add", {y, shortcut}, "residual")}, "relu");
      channels = out_ch;
    }
  }
  x = b.node("GlobalAveragePool", {x}, "gap");
  x = b.node("Flatten", {x}, "flatten");
  // Gemm with transB=1 and W[out,in], as PyTorch exports nn.Linear (OpenCV 4.6 reads only this layout).
  const std::string w = b.weight("fc_w", {1000, channels}, std::sqrt(6.0f / static_cast<float>(channels)));
  const std::string bias = b.weight("fc_b", {1000}, 0.01f);
  b.node("Gemm", {x, w, bias}, "fc");
  b.attr("transB", std::int64_t{1});
  b.last_node().set_output(0, "logits");
  b.add_output("logits", onnx::TensorProto::FLOAT, {kBatchDim, 1000});
  return "ResNet-style CNN, width " + std::to_string(width) + ", basic blocks " + blocks_text +
         ", 1x3x224x224 -> 1000 classes";
}

}  // namespace servesim::models
