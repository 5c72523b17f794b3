#include "nn/common/activation_checkpoint.h"

#include <mutex>

#include <ATen/Context.h>

namespace longconv::nn {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

thread_local bool checkpointed_forward = false;

// Sets checkpointed_forward for one scope (the flag goes back to what it was, so nested checkpoints keep it).
class CheckpointedForward {
 public:
  CheckpointedForward() : previous_(checkpointed_forward) { checkpointed_forward = true; }
  ~CheckpointedForward() { checkpointed_forward = previous_; }
  CheckpointedForward(const CheckpointedForward&) = delete;
  CheckpointedForward& operator=(const CheckpointedForward&) = delete;

 private:
  bool previous_;
};

// What the backward needs besides tensors; kept in saved_data as a capsule.
struct Block : torch::CustomClassHolder {
  std::vector<std::shared_ptr<torch::nn::Module>> modules;
  BlockFn fn;
  torch::Tensor rng_state;
};

at::Generator default_generator(const torch::Tensor& x) { return at::globalContext().defaultGenerator(x.device()); }

torch::Tensor generator_state(at::Generator generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_generator_state(at::Generator generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

struct Recompute : torch::autograd::Function<Recompute> {
  // params: the modules' parameters that need a gradient, inputs here so that autograd returns their gradients.
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, at::TensorList params,
                               c10::intrusive_ptr<Block> block) {
    block->rng_state = generator_state(default_generator(x));
    ctx->save_for_backward({x});
    ctx->saved_data["block"] = c10::IValue::make_capsule(block);
    ctx->saved_data["params"] = static_cast<int64_t>(params.size());
    torch::NoGradGuard no_grad;
    CheckpointedForward flag;
    return block->fn(x);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    const auto block = c10::static_intrusive_pointer_cast<Block>(ctx->saved_data["block"].toCapsule());
    const torch::Tensor saved = ctx->get_saved_variables()[0];
    std::vector<torch::Tensor> params;
    for (const auto& m : block->modules)
      for (const auto& p : m->parameters())
        if (p.requires_grad()) params.push_back(p);
    TORCH_CHECK(static_cast<int64_t>(params.size()) == ctx->saved_data["params"].toInt(),
                "checkpoint: the block's trainable parameters changed between forward and backward");
    std::vector<torch::Tensor> buffers;
    {
      torch::NoGradGuard no_grad;
      for (const auto& m : block->modules)
        for (const auto& b : m->buffers()) buffers.push_back(b.clone());
    }
    const auto generator = default_generator(saved);
    const torch::Tensor rng_now = generator_state(generator);
    set_generator_state(generator, block->rng_state);
    const torch::Tensor x = saved.detach().requires_grad_(saved.requires_grad());
    torch::Tensor y;
    {
      torch::AutoGradMode grad_mode(true);
      y = block->fn(x);
    }
    set_generator_state(generator, rng_now);
    variable_list inputs = params;
    if (x.requires_grad()) inputs.insert(inputs.begin(), x);
    const variable_list grads = torch::autograd::grad({y}, inputs, {grad_out[0]}, /*retain_graph=*/false,
                                                      /*create_graph=*/false, /*allow_unused=*/true);
    {
      // After the gradients: the recomputed BatchNorm saved the buffers it updated.
      torch::NoGradGuard no_grad;
      size_t i = 0;
      for (const auto& m : block->modules)
        for (auto& b : m->buffers()) b.copy_(buffers[i++]);
    }
    variable_list result;
    result.push_back(x.requires_grad() ? grads[0] : torch::Tensor());
    result.insert(result.end(), grads.begin() + (x.requires_grad() ? 1 : 0), grads.end());
    result.push_back(torch::Tensor());  // the block capsule
    return result;
  }
};

}  // namespace

bool in_checkpointed_forward() { return checkpointed_forward; }

torch::Tensor checkpoint(const std::vector<std::shared_ptr<torch::nn::Module>>& modules, BlockFn fn,
                         const torch::Tensor& x) {
  if (!torch::GradMode::is_enabled()) return fn(x);
  std::vector<torch::Tensor> params;
  for (const auto& m : modules)
    for (const auto& p : m->parameters())
      if (p.requires_grad()) params.push_back(p);
  if (params.empty() && !x.requires_grad()) return fn(x);
  auto block = c10::make_intrusive<Block>();
  block->modules = modules;
  block->fn = std::move(fn);
  return Recompute::apply(x, at::TensorList(params), block);
}

}  // namespace longconv::nn
