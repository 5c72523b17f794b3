// Precompiled header: LibTorch dominates compile time on small machines.
#pragma once
#include <torch/torch.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <memory>
#include <functional>
#include <optional>
