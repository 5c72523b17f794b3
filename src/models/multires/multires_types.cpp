#include "models/multires/multires_types.h"

#include <fmt/format.h>

#include "config/binding.h"
#include "models/multires/multires_ar.h"
#include "models/multires/multires_net.h"
#include "nn/multires/multires_layer.h"

namespace longconv::models {
namespace {

constexpr const char* kWaveletHelp = "wavelet for h0/h1: haar, db1-db38, sym2-sym20, coif1-coif17";

// The keys of the stack MultiresNet and MultiresAR share, after their own d_input (and d_output).
template <typename Opts>
Bindings<Opts>& bind_stack(Bindings<Opts>& b) {
  using S = ResidualStackOptions;
  return b.nest(
      &Opts::stack,
      Bindings<S>()
          .bind("d_model", &S::d_model, "channels")
          .bind("n_layers", &S::n_layers, "residual blocks")
          .bind("dropout", &S::dropout, "Dropout1d probability")
          .bind("batchnorm", &S::batchnorm, "BatchNorm1d instead of LayerNorm")
          .bind("encoder", &S::encoder, kInputEncoderNames, "input encoder (filled from the dataset)")
          .bind("n_tokens", &S::n_tokens, "vocabulary size for the embedding encoder (filled from the dataset)")
          .bind("max_length", &S::max_length, "sequence length (filled from the dataset)")
          .bind("hinit", &S::hinit, kWaveletHelp)
          .bind("d_mem", &S::d_mem, "memory columns for tree_select uniform")
          .bind("kernel_size", &S::kernel_size, "filter length of h0 and h1 (a wavelet sets its own length)")
          .bind("tree_select", &S::tree_select, nn::kTreeSelectNames, "which tree coefficients form the memory")
          .bind("indep_res_init", &S::indep_res_init,
                "initialise the residual weight w[:, -1] independently of the memory size")
          .bind("depth", &S::depth, "tree depth; null: the smallest depth whose receptive field covers the length")
          .validate([](const S& o) { validate(o); }));
}

// The reference's layer_type argument, whose only value the stack builds.
void add_layer_type_key(Schema& s) { s.add_string("net.layer_type", "multires", "sequence layer", {"multires"}); }

// Facts `longconv info` prints for a stack of identical MultiresLayers.
NetFacts describe_stack(const nn::MultiresLayerImpl& layer, int64_t n_layers, std::optional<int64_t> length,
                        bool checkpointed) {
  const int64_t field = nn::multires_receptive_field(layer.depth, layer.kernel_size);
  NetFacts facts;
  facts.lines = {fmt::format("depth per layer: {} (kernel_size {}, memory columns {})", layer.depth, layer.kernel_size,
                             layer.memory_size + 1),
                 fmt::format("receptive field: {} steps per layer, {} through {} layers", field,
                             1 + n_layers * (field - 1), n_layers)};
  if (length) {
    // Saved for backward per layer, in floats per channel and step: the tree input, GELU input and output, the
    // mixing conv's input and its 2x-wide output, the GLU output, the residual sum and the norm's input and output.
    // Checkpointed, each layer keeps only its input, and the backward recomputes one layer at a time.
    const int64_t kept = checkpointed ? n_layers + 10 : 10 * n_layers;
    facts.activation_bytes_per_example = 4.0 * static_cast<double>(layer.options.d_model() * *length * kept);
  }
  return facts;
}

// describe_stack for MultiresNet or MultiresAR.
template <class Model>
NetFacts describe_model(const Net& built) {
  auto& net = *built.module->as<Model>();
  const auto& stack = net.options.stack();
  return describe_stack(*net.blocks.seq_layers[0]->template as<nn::MultiresLayer>(), stack.n_layers(),
                        stack.max_length(), net.blocks.checkpoint_activations);
}

// Input keys every stack fills from the dataset (MultiresNet adds d_output).
void fill_stack_from_data(Config& c, const data::DatasetInfo& info) {
  c.set_value("net.d_input", info.d_input);
  c.set_value("net.max_length", info.max_length);
  c.set_value<std::string>("net.encoder", info.n_tokens > 0 ? "embedding" : "linear");
  if (info.n_tokens > 0) c.set_value("net.n_tokens", info.n_tokens);
}

// A NetType whose keys are `bindings` (under `net`) and whose module `make` builds from the options.
template <typename Opts, typename Make>
NetType bound_net_type(std::string name, std::string help, Bindings<Opts> bindings, Make make) {
  NetType t;
  t.name = std::move(name);
  t.help = std::move(help);
  t.schema = [bindings](Schema& s) {
    bindings.declare(s, "net");
    if constexpr (!std::is_same_v<Opts, nn::MultiresLayerOptions>) add_layer_type_key(s);
  };
  t.build = [bindings, make](const Config& c) { return make(bindings.parse(c, "net")); };
  return t;
}

NetType multires_layer_type() {
  using L = nn::MultiresLayerOptions;
  auto bindings =
      Bindings<L>(L(256))
          .bind("d_model", &L::d_model, "channels")
          .bind("kernel_size", &L::kernel_size,
                "filter length of h0 and h1 (null with a wavelet_init: the wavelet's length)")
          .bind("wavelet_init", &L::wavelet_init, kWaveletHelp)
          .bind("seq_len", &L::seq_len, "sequence length the depth is derived from when depth is null")
          .bind("dropout", &L::dropout, "Dropout1d probability after the GELU")
          .bind("memory_size", &L::memory_size, "memory columns for tree_select uniform")
          .bind("tree_select", &L::tree_select, nn::kTreeSelectNames, "which tree coefficients form the memory")
          .bind("indep_res_init", &L::indep_res_init,
                "initialise the residual weight w[:, -1] independently of the memory size")
          .bind("depth", &L::depth, "tree depth; null: the smallest depth whose receptive field covers the length")
          .validate([](const L& o) { nn::validate(o); });
  NetType t = bound_net_type(
      "MultiresLayer", "one MultiresLayer: x [B, d_model, L] -> Dropout1d(GELU(MultiresConv(x)))", std::move(bindings),
      [](const L& o) {
        nn::MultiresLayer layer(o);
        return Net{layer.ptr(),
                   [layer](const torch::Tensor& x, const torch::Tensor&) mutable { return layer->forward(x); }};
      });
  t.describe = [](const Net& net) {
    const auto& layer = *net.module->as<nn::MultiresLayer>();
    return describe_stack(layer, 1, layer.options.seq_len(), /*checkpointed=*/false);
  };
  return t;
}

NetType multires_net_type() {
  using O = MultiresNetOptions;
  auto bindings = Bindings<O>(O(1))
                      .bind_from_data("d_input", &O::d_input, "input channels")
                      .bind("d_output", &O::d_output, "classes (filled from the dataset)");
  bind_stack(bindings).validate([](const O& o) { validate(o); });
  NetType t = bound_net_type(
      "MultiresNet", "MultiresNet classifier (classification.py): logits [B, d_output]", std::move(bindings),
      [](const O& o) {
        MultiresNet net(o);
        Net built{net.ptr(), [net](const torch::Tensor& x, const torch::Tensor& lengths) mutable {
                    return net->forward(x, lengths);
                  }};
        built.checkpoint_activations = [net](bool on) mutable { net->blocks.checkpoint_activations = on; };
        return built;
      });
  t.fill_from_data = [](Config& c, const data::DatasetInfo& info) {
    fill_stack_from_data(c, info);
    c.set_value("net.d_output", info.d_output);
  };
  t.describe = describe_model<MultiresNet>;
  return t;
}

NetType multires_ar_type() {
  using O = MultiresAROptions;
  auto bindings = Bindings<O>(O(1, 10))
                      .bind_from_data("d_input", &O::d_input, "input channels: 1 (grey) or 3 (RGB)")
                      .bind("nr_logistic_mix", &O::nr_logistic_mix, "logistic mixture components per position");
  bind_stack(bindings).validate([](const O& o) { validate(o); });
  NetType t = bound_net_type(
      "MultiresAR",
      "MultiresAR autoregressive model (autoregressive.py): discretized logistic mixture parameters per position",
      std::move(bindings), [](const O& o) {
        MultiresAR net(o);
        Net built{net.ptr(), [net](const torch::Tensor& x, const torch::Tensor&) mutable { return net->forward(x); }};
        built.checkpoint_activations = [net](bool on) mutable { net->blocks.checkpoint_activations = on; };
        return built;
      });
  t.fill_from_data = fill_stack_from_data;
  t.describe = describe_model<MultiresAR>;
  return t;
}

}  // namespace

std::vector<NetType> multires_net_types() { return {multires_layer_type(), multires_net_type(), multires_ar_type()}; }

}  // namespace longconv::models
