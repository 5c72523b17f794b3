// Precompiled header: LibTorch dominates compile time on small machines.
#pragma once
#include <fmt/format.h>
#include <torch/torch.h>
#include <yaml-cpp/yaml.h>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>
