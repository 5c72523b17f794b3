// Golden cases produced by the official PyTorch code (../shared/golden/<family>/*.safetensors, CASES.md).
#pragma once

#include <map>
#include <string>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "io/state_dict.h"

namespace longconv::test {

struct GoldenCase {
  std::string name;
  io::Safetensors file;
  nlohmann::json config;  // __metadata__["config"]

  bool has(const std::string& key) const { return file.tensors.count(key) > 0; }
  const torch::Tensor& at(const std::string& key) const;
  // Tensors under `prefix` with the prefix removed ("param." -> state_dict names).
  io::StateDict with_prefix(const std::string& prefix) const;
};

std::string golden_dir(const std::string& family);  // LONGCONV_GOLDEN_DIR/<family>
GoldenCase load_golden(const std::string& family, const std::string& name);
std::vector<std::string> golden_case_names(const std::string& family, const std::string& prefix);

// The reference constructor's arguments as `net.*` overrides ("net.type=<type>", "net.d_model=8", "net.depth=null").
std::vector<std::string> ctor_overrides(const std::string& type, const nlohmann::json& ctor);
// net.type of a MultiresConv-family case from its metadata "kind".
std::string multires_net_type(const GoldenCase& c);

// Tolerances of one case from CASES.md's table: columns "tol f32 out / grad" and "tol f64 out / grad".
struct Tolerances {
  double f32_out, f32_grad, f64_out, f64_grad;
};
Tolerances multires_tolerances(const std::string& case_name);

// CCNN CASES.md's recommended float32 tolerances (last column "out / grad.x / grad.param", x max|ref|).
struct CcnnTolerances {
  double out, grad_x, grad_param;
};
CcnnTolerances ccnn_tolerances(const std::string& case_name);

// ccnn_point CASES.md's recommended float32 tolerances (last column "out / grad.x / grad.rel_pos / grad.param
// (/ grad_ce.param)"); grad_ce_param is 0 for cases without a loss.
struct CcnnPointTolerances {
  double out, grad_x, grad_rel_pos, grad_param, grad_ce_param;
};
CcnnPointTolerances ccnn_point_tolerances(const std::string& case_name);

// The reference config sections of a CCNN case as overrides ("kernel.no_hidden=32", "net.block.prenorm=true");
// nested maps become dotted keys, values are JSON (which YAML reads back).
std::vector<std::string> section_overrides(const std::string& prefix, const nlohmann::json& section);

// net.type and every override that rebuilds the module of a CCNN case (kind kernelnet / conv / resnet) from its
// recorded config: the reference's kernel/mask/conv sections, the net section (resnet), channels and data_dim.
std::vector<std::string> ccnn_case_overrides(const GoldenCase& c);

// max|actual - expected| <= tol * scale; the message names the tensor and both errors.
::testing::AssertionResult close_scaled(const std::string& what, const torch::Tensor& actual,
                                        const torch::Tensor& expected, double tol, double scale);

// max|actual - expected| <= tol * max(1, max|expected|); the message names the tensor and both errors.
::testing::AssertionResult close_to(const std::string& what, const torch::Tensor& actual, const torch::Tensor& expected,
                                    double tol);

}  // namespace longconv::test
