#include "nn/ccnn/kernel_net.h"

#include "nn/ccnn/magnet.h"
#include "nn/ccnn/mlp.h"
#include "nn/ccnn/siren.h"
#include "util/option_check.h"

namespace longconv::nn {

const EnumNames<KernelNetType> kKernelNetTypeNames = {
    {"MAGNet", KernelNetType::MAGNet}, {"SIREN", KernelNetType::SIREN}, {"MLP", KernelNetType::MLP}};

void validate(const KernelNetOptions& o) {
  check_option(o.hidden_channels(), at_least(1), "KernelNetOptions::hidden_channels");
  check_option(o.no_layers(), at_least(o.type() == KernelNetType::MAGNet ? 1 : 2), "KernelNetOptions::no_layers");
  check_option(o.data_dim(), in_closed(1, 3), "KernelNetOptions::data_dim");
  check_option(o.out_channels(), at_least(1), "KernelNetOptions::out_channels");
  check_option_rule(o.type() != KernelNetType::SIREN || o.omega_0() != 0.0, o.omega_0(), "KernelNetOptions::omega_0",
                    "expected non-zero for SIREN, got 0");
}

std::shared_ptr<KernelNetImpl> make_kernel_net(const KernelNetOptions& o) {
  validate(o);
  switch (o.type()) {
    case KernelNetType::MAGNet:
      return std::make_shared<MAGNetImpl>(o);
    case KernelNetType::SIREN:
      return std::make_shared<SIRENImpl>(o);
    case KernelNetType::MLP:
      return std::make_shared<MLPImpl>(o);
  }
  TORCH_CHECK(false, "make_kernel_net: type out of range");
}

}  // namespace longconv::nn
