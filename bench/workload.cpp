#include "workload.h"

#include <ATen/CPUGeneratorImpl.h>

#include "models/multires/ar_sampler.h"
#include "train/experiment.h"
#include "train/optimizer.h"
#include "train/run_config.h"
#include "util/runtime.h"

namespace longconv::bench {

namespace {

// Random inputs as the dataset would deliver them: tokens [B, L] for token inputs, else standard normal [B, C, ...].
data::Batch random_batch(const data::DatasetInfo& info, int64_t batch) {
  data::Batch b;
  if (info.n_tokens > 0) {
    b.x = torch::randint(0, info.n_tokens, {batch, info.max_length}, torch::kLong);
  } else {
    std::vector<int64_t> shape{batch, info.d_input};
    shape.insert(shape.end(), info.spatial_shape.begin(), info.spatial_shape.end());
    b.x = torch::randn(shape);
  }
  if (info.d_output > 0) b.y = torch::randint(0, info.d_output, {batch}, torch::kLong);
  return b;
}

}  // namespace

data::DatasetInfo classification(int64_t d_input, int64_t d_output, std::vector<int64_t> spatial_shape,
                                 int64_t n_tokens) {
  data::DatasetInfo info;
  info.d_input = d_input;
  info.d_output = d_output;
  info.n_tokens = n_tokens;
  info.max_length = 1;
  for (const int64_t s : spatial_shape) info.max_length *= s;
  info.spatial_shape = std::move(spatial_shape);
  return info;
}

WorkloadStep::WorkloadStep(const Workload& workload) : workload_(workload) {
  std::vector<std::string> overrides{"device=cpu"};
  overrides.insert(overrides.end(), workload.overrides.begin(), workload.overrides.end());
  config_ = train::load_run_config(std::string(LONGCONV_SOURCE_DIR) + "/configs/" + workload.config, overrides);
  const models::NetType& type = models::net_type(config_.get_string("net.type"));
  if (type.fill_from_data) type.fill_from_data(config_, workload.info);
  net_ = train::build_net(config_);
  options_ = train::trainer_options(config_);
  optimizer_ = train::make_optimizer(options_.optimizer, net_).optimizer;
  objective_ = train::make_objective(workload.info.task);
  batch_ = random_batch(workload.info, workload.batch);
}

float WorkloadStep::operator()() {
  if (workload_.mode == Mode::Infer) {
    net_.module->eval();
    torch::NoGradGuard no_grad;
    return models::forward_batch(net_, batch_).sum().item<float>();
  }
  if (workload_.mode == Mode::Sample) {
    net_.module->eval();
    models::SampleOptions o;
    o.n = workload_.batch;
    o.length = workload_.info.max_length;
    auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
    const auto ar = std::dynamic_pointer_cast<models::MultiresARImpl>(net_.module);
    TORCH_CHECK(ar, "workload ", workload_.config, ": Mode::Sample needs a MultiresAR net");
    return models::sample_streaming(models::MultiresAR(ar), o, generator).sum().item<float>();
  }
  net_.module->train();
  optimizer_->zero_grad();
  auto loss = objective_->loss(models::forward_batch(net_, batch_), batch_);
  // As the trainer (and the reference CCNN): ln_loss adds weight_decay times the net's penalty to the loss.
  if (options_.optimizer.weight_decay_type == train::WeightDecayType::LnLoss && options_.optimizer.weight_decay > 0)
    loss = loss + options_.optimizer.weight_decay * net_.regularizer();
  loss.backward();
  optimizer_->step();
  return loss.item<float>();
}

void run_workload(benchmark::State& state, const Workload& workload) {
  init_runtime();
  WorkloadStep step(workload);
  // Sampling 64 images takes minutes and allocates its state once per call: a warm-up would only double the time.
  if (workload.mode != Mode::Sample) step();
  for (auto _ : state) benchmark::DoNotOptimize(step());
  state.SetItemsProcessed(state.iterations() * workload.batch);
}

}  // namespace longconv::bench
