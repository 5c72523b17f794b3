// The checkpoint of fuzz_checkpoint: a Linear + BatchNorm1d model after one AdamW step (as test_checkpoint.cpp's
// Trained), written by make_seeds as the seed and rebuilt by the target as its reference.
#pragma once

#include <string>

#include <torch/torch.h>

#include "train/checkpoint.h"

namespace longconv::fuzz {

struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    linear = register_module("linear", torch::nn::Linear(3, 2));
    norm = register_module("norm", torch::nn::BatchNorm1d(2));
  }
  torch::Tensor forward(const torch::Tensor& x) { return norm(linear(x)); }
  torch::nn::Linear linear{nullptr};
  torch::nn::BatchNorm1d norm{nullptr};
};
TORCH_MODULE(Tiny);

// A cosine schedule of 10 steps (test_checkpoint.cpp's a_schedule).
inline train::LrSchedule tiny_schedule() { return train::LrSchedule(train::ScheduleOptions(), 0.01, 10, 1); }

inline std::string tiny_checkpoint() {
  torch::manual_seed(0);
  Tiny model;
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(0.1));
  train::LrSchedule schedule = tiny_schedule();
  model->forward(torch::randn({4, 3})).pow(2).sum().backward();
  optimizer.step();
  schedule.step();
  train::CheckpointInfo info;
  info.epoch = 1;
  info.best_epoch = 1;
  info.best_val_metric = 0.5;
  info.config_yaml = "seed: 1\n";
  info.metrics_json = R"({"epoch":1})";
  return train::encode_checkpoint(*model, optimizer, schedule, info);
}

}  // namespace longconv::fuzz
