#include "nn/ccnn/kernel_net.h"

#include <stdexcept>

#include "nn/ccnn/magnet.h"
#include "nn/ccnn/mlp.h"
#include "nn/ccnn/siren.h"

namespace longconv::nn {

std::shared_ptr<KernelNetImpl> make_kernel_net(const KernelNetOptions& o) {
  TORCH_CHECK(o.data_dim() >= 1 && o.data_dim() <= 3, "kernel net data_dim must be 1, 2 or 3, got ", o.data_dim());
  TORCH_CHECK(o.out_channels() >= 1, "kernel net out_channels must be >= 1, got ", o.out_channels());
  if (o.type() == "MAGNet") return std::make_shared<MAGNetImpl>(o);
  if (o.type() == "SIREN") return std::make_shared<SIRENImpl>(o);
  if (o.type() == "MLP") return std::make_shared<MLPImpl>(o);
  throw std::runtime_error("kernel.type: unknown kernel net '" + o.type() + "' (known: MAGNet, SIREN, MLP)");
}

}  // namespace longconv::nn
