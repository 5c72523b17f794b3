#include <gtest/gtest.h>

#include "support/golden.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace longconv::test {

const torch::Tensor& GoldenCase::at(const std::string& key) const {
  auto it = file.tensors.find(key);
  if (it == file.tensors.end()) throw std::runtime_error(name + ": no tensor '" + key + "'");
  return it->second;
}

io::StateDict GoldenCase::with_prefix(const std::string& prefix) const {
  io::StateDict out;
  for (const auto& [key, value] : file.tensors) {
    if (key.rfind(prefix, 0) == 0) out[key.substr(prefix.size())] = value;
  }
  return out;
}

std::string golden_dir(const std::string& family) { return std::string(LONGCONV_GOLDEN_DIR) + "/" + family; }

GoldenCase load_golden(const std::string& family, const std::string& name) {
  GoldenCase c;
  c.name = name;
  c.file = io::read_safetensors(golden_dir(family) + "/" + name + ".safetensors");
  c.config = nlohmann::json::parse(c.file.metadata.at("config"));
  return c;
}

std::vector<std::string> golden_case_names(const std::string& family, const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(golden_dir(family))) {
    const auto stem = entry.path().stem().string();
    if (entry.path().extension() == ".safetensors" && stem.rfind(prefix, 0) == 0) names.push_back(stem);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> ctor_overrides(const std::string& type, const nlohmann::json& ctor) {
  std::vector<std::string> overrides{"net.type=" + type};
  for (const auto& [key, value] : ctor.items()) {
    overrides.push_back("net." + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump()));
  }
  return overrides;
}

std::string multires_net_type(const GoldenCase& c) {
  if (c.config["kind"] == "layer") return "MultiresLayer";
  return c.config["kind"] == "ar" ? "MultiresAR" : "MultiresNet";
}

Tolerances multires_tolerances(const std::string& case_name) {
  std::ifstream in(golden_dir("multires") + "/CASES.md");
  if (!in) throw std::runtime_error("cannot read " + golden_dir("multires") + "/CASES.md");
  // | `name.safetensors` | exercises | config | shapes | 1e-05 / 2e-05 | 1e-10 / 1e-10 | observed |
  const std::regex row(
      "^\\| `" + case_name +
      "\\.safetensors` \\|.*\\| ([0-9.e+-]+) / ([0-9.e+-]+|-) \\| ([0-9.e+-]+|-) / ([0-9.e+-]+|-) \\| [^|]* \\|\\s*$");
  std::string line;
  std::smatch m;
  auto value = [](const std::string& s) { return s == "-" ? 0.0 : std::stod(s); };
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, row)) return {value(m[1]), value(m[2]), value(m[3]), value(m[4])};
  }
  throw std::runtime_error("CASES.md has no tolerance row for " + case_name);
}

CcnnTolerances ccnn_tolerances(const std::string& case_name) {
  const std::string path = golden_dir("ccnn") + "/CASES.md";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  // | `name.safetensors` | ... | f32 self-err | 2e-02 / 3e-02 / 6e-02 |
  const std::regex row("^\\| `" + case_name +
                       "\\.safetensors` \\|.*\\| ([0-9.e+-]+) / ([0-9.e+-]+) / ([0-9.e+-]+) \\|\\s*$");
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, row)) return {std::stod(m[1]), std::stod(m[2]), std::stod(m[3])};
  }
  throw std::runtime_error(path + " has no tolerance row for " + case_name);
}

CcnnPointTolerances ccnn_point_tolerances(const std::string& case_name) {
  const std::string path = golden_dir("ccnn_point") + "/CASES.md";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  // | `name.safetensors` | ... | f32 self-err | 7e-05 / 8e-05 / 5e-05 / 4e-04 (/ 5e-04) |
  const std::string number = "([0-9.e+-]+)";
  const std::regex row("^\\| `" + case_name + "\\.safetensors` \\|.*\\| " + number + " / " + number + " / " + number +
                       " / " + number + "(?: / " + number + ")? \\|\\s*$");
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, row))
      return {std::stod(m[1]), std::stod(m[2]), std::stod(m[3]), std::stod(m[4]), m[5].matched ? std::stod(m[5]) : 0.0};
  }
  throw std::runtime_error(path + " has no tolerance row for " + case_name);
}

std::vector<std::string> section_overrides(const std::string& prefix, const nlohmann::json& section) {
  std::vector<std::string> out;
  for (const auto& [key, value] : section.items()) {
    if (value.is_object()) {
      const auto nested = section_overrides(prefix + "." + key, value);
      out.insert(out.end(), nested.begin(), nested.end());
    } else {
      out.push_back(prefix + "." + key + "=" + value.dump());
    }
  }
  return out;
}

std::vector<std::string> ccnn_case_overrides(const GoldenCase& c) {
  const auto& spec = c.config["spec"];
  const auto& cfg = c.config["omegaconf"];
  const std::string kind = spec["kind"];
  std::vector<std::string> out;
  if (kind == "resnet") {
    out.push_back("net.type=CCNN");
    for (const auto& o : section_overrides("net", cfg["net"]))
      if (o.rfind("net.type=", 0) != 0) out.push_back(o);
    out.push_back("net.in_channels=" + std::to_string(c.at("input.x").size(1)));
    out.push_back("net.out_channels=" + std::to_string(c.at("output.y").size(1)));
  } else {
    out.push_back("net.type=" + spec["cls"].get<std::string>());
    out.push_back("net.data_dim=" + spec["data_dim"].dump());
    out.push_back("net.out_channels=" + spec["out_channels"].dump());
    if (kind == "conv") out.push_back("net.in_channels=" + spec["in_channels"].dump());
  }
  for (const char* section : {"kernel", "mask", "conv"}) {
    const auto more = section_overrides(section, cfg[section]);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

::testing::AssertionResult close_scaled(const std::string& what, const torch::Tensor& actual,
                                        const torch::Tensor& expected, double tol, double scale) {
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure() << what << ": shape " << actual.sizes() << " vs expected " << expected.sizes();
  }
  const auto a = actual.detach().to(torch::kFloat64);
  const auto e = expected.detach().to(torch::kFloat64);
  const double err = e.numel() ? (a - e).abs().max().item<double>() : 0.0;
  if (err <= tol * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": max error " << err << " > " << tol << " x " << scale
                                       << " (relative " << err / scale << ")";
}

::testing::AssertionResult close_to(const std::string& what, const torch::Tensor& actual, const torch::Tensor& expected,
                                    double tol) {
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure() << what << ": shape " << actual.sizes() << " vs expected " << expected.sizes();
  }
  const auto a = actual.detach().to(torch::kFloat64);
  const auto e = expected.detach().to(torch::kFloat64);
  const double err = e.numel() ? (a - e).abs().max().item<double>() : 0.0;
  const double scale = std::max(1.0, e.numel() ? e.abs().max().item<double>() : 0.0);
  if (err <= tol * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": max error " << err << " > " << tol << " x " << scale;
}

}  // namespace longconv::test
