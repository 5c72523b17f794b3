#include "dist/grad_reducer.h"

#include <chrono>

namespace longconv::dist {

GradReducer::GradReducer(ProcessGroup& group, std::vector<torch::Tensor> parameters, double bucket_mb)
    : group_(group), params_(std::move(parameters)) {
  bucket_of_.resize(params_.size());
  arrived_.assign(params_.size(), false);
  const auto limit = static_cast<int64_t>(bucket_mb * 1024 * 1024);
  // One bucket holds one dtype and device; reverse order, as gradients arrive roughly from the output back.
  for (size_t k = params_.size(); k-- > 0;) {
    const torch::Tensor& p = params_[k];
    if (!p.requires_grad()) continue;
    const int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    bool fresh = buckets_.empty();
    if (!fresh) {
      const Bucket& b = buckets_.back();
      const torch::Tensor& first = params_[b.params.front()];
      const int64_t used = b.offsets.back() + params_[b.params.back()].numel();
      fresh = first.scalar_type() != p.scalar_type() || first.device() != p.device() ||
              used * static_cast<int64_t>(first.element_size()) + bytes > limit;
    }
    if (fresh) buckets_.emplace_back();
    Bucket& b = buckets_.back();
    b.offsets.push_back(b.params.empty() ? 0 : b.offsets.back() + params_[b.params.back()].numel());
    b.params.push_back(k);
    bucket_of_[k] = buckets_.size() - 1;
  }
  for (Bucket& b : buckets_) {
    const torch::Tensor& first = params_[b.params.front()];
    b.flat = torch::zeros({b.offsets.back() + params_[b.params.back()].numel()}, first.options());
  }
  for (size_t k = 0; k < params_.size(); ++k) {
    if (!params_[k].requires_grad()) continue;
    hook_ids_.push_back(params_[k].register_hook([this, k](const torch::Tensor& grad) { on_grad(k, grad); }));
  }
}

GradReducer::~GradReducer() {
  size_t h = 0;
  for (auto& p : params_)
    if (p.requires_grad()) p.remove_hook(hook_ids_[h++]);
}

void GradReducer::arm() {
  std::lock_guard<std::mutex> lock(mu_);
  armed_ = true;
  next_launch_ = 0;
  std::fill(arrived_.begin(), arrived_.end(), false);
  for (Bucket& b : buckets_) {
    b.pending = static_cast<int64_t>(b.params.size());
    b.work.reset();
  }
}

void GradReducer::on_grad(size_t k, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!armed_ || arrived_[k]) return;
  arrived_[k] = true;
  Bucket& b = buckets_[bucket_of_[k]];
  const size_t i = static_cast<size_t>(std::find(b.params.begin(), b.params.end(), k) - b.params.begin());
  torch::NoGradGuard no_grad;
  torch::Tensor slot = b.flat.narrow(0, b.offsets[i], params_[k].numel()).view_as(params_[k]);
  // The hook sees this micro-batch's gradient before it is accumulated: add what earlier micro-batches left.
  const torch::Tensor& accumulated = params_[k].grad();
  if (accumulated.defined())
    torch::add_out(slot, accumulated, grad);
  else
    slot.copy_(grad);
  if (--b.pending == 0) launch_ready();
}

void GradReducer::launch_ready() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0) {
    Bucket& b = buckets_[next_launch_++];
    b.work = group_.allreduce_async(b.flat);
  }
}

void GradReducer::finish() {
  std::unique_lock<std::mutex> lock(mu_);
  TORCH_CHECK(armed_, "GradReducer::finish without arm");
  torch::NoGradGuard no_grad;
  for (size_t k = 0; k < params_.size(); ++k) {
    if (!params_[k].requires_grad() || arrived_[k]) continue;
    arrived_[k] = true;
    Bucket& b = buckets_[bucket_of_[k]];
    const size_t i = static_cast<size_t>(std::find(b.params.begin(), b.params.end(), k) - b.params.begin());
    torch::Tensor slot = b.flat.narrow(0, b.offsets[i], params_[k].numel()).view_as(params_[k]);
    const torch::Tensor& accumulated = params_[k].grad();
    if (accumulated.defined())
      slot.copy_(accumulated);
    else
      slot.zero_();
    --b.pending;
  }
  launch_ready();
  armed_ = false;
  lock.unlock();
  const auto start = std::chrono::steady_clock::now();
  for (Bucket& b : buckets_) group_.wait(b.work);
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (Bucket& b : buckets_) {
    for (size_t i = 0; i < b.params.size(); ++i) {
      torch::Tensor& p = params_[b.params[i]];
      torch::Tensor reduced = b.flat.narrow(0, b.offsets[i], p.numel()).view_as(p);
      if (p.grad().defined())
        p.mutable_grad().copy_(reduced);
      else
        p.mutable_grad() = reduced.clone();
    }
  }
}

double GradReducer::take_wait_seconds() {
  const double s = wait_seconds_;
  wait_seconds_ = 0;
  return s;
}

}  // namespace longconv::dist
