#include "dist/module_sync.h"

namespace longconv::dist {

void broadcast_module(ProcessGroup& group, torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors;
  for (const auto& p : module.parameters()) tensors.push_back(p);
  for (const auto& b : module.buffers()) tensors.push_back(b);
  group.broadcast(tensors, 0);
}

void average_buffers(ProcessGroup& group, torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& b : module.buffers()) {
    if (!b.is_floating_point()) continue;
    group.allreduce(b);
    b.div_(group.size());
  }
}

}  // namespace longconv::dist
