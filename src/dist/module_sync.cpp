#include "dist/module_sync.h"

namespace longconv::dist {

void broadcast_module(ProcessGroup& group, torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors, flags, flag_buffers;
  for (const auto& p : module.parameters()) tensors.push_back(p);
  for (const auto& b : module.buffers()) {
    // Gloo has no bool collectives: flags (CKConv's `initialized`) travel as uint8.
    if (b.scalar_type() == torch::kBool) {
      flag_buffers.push_back(b);
      tensors.push_back(flags.emplace_back(b.to(torch::kUInt8)));
    } else {
      tensors.push_back(b);
    }
  }
  group.broadcast(tensors, 0);
  for (size_t i = 0; i < flags.size(); ++i) flag_buffers[i].copy_(flags[i]);
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
