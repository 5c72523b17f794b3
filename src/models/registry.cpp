#include "models/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "models/ccnn/ccnn_types.h"
#include "models/multires/multires_ar.h"
#include "models/multires/multires_net.h"
#include "nn/multires/multires_layer.h"

namespace longconv::models {

namespace {

// Keys shared by the MultiresConv family, with the reference constructors' names and defaults.
void add_tree_keys(Schema& s) {
  s.add_string("tree_select", "fading", "which tree coefficients form the memory", {"fading", "uniform"})
      .add_bool("indep_res_init", false, "initialise the residual weight w[:, -1] independently of the memory size")
      .add_int("depth", std::nullopt, "tree depth; null: the smallest depth whose receptive field covers the length");
}

// Keys MultiresNet and MultiresAR share after d_input, with the reference constructors' names and defaults.
void add_stack_keys(Schema& s) {
  s.add_int("d_model", 256, "channels")
      .add_int("n_layers", 4, "residual blocks")
      .add_float("dropout", 0.2, "Dropout1d probability")
      .add_bool("batchnorm", false, "BatchNorm1d instead of LayerNorm")
      .add_string("encoder", "linear", "input encoder (filled from the dataset)", {"linear", "embedding"})
      .add_int("n_tokens", std::nullopt, "vocabulary size for the embedding encoder (filled from the dataset)")
      .add_string("layer_type", "multires", "sequence layer", {"multires"})
      .add_int("max_length", std::nullopt, "sequence length (filled from the dataset)")
      .add_string("hinit", std::nullopt, "wavelet for h0/h1: haar, db1-db10, sym2-sym10, coif1-coif5")
      .add_int("d_mem", std::nullopt, "memory columns for tree_select uniform")
      .add_int("kernel_size", 2, "filter length of h0 and h1 (a wavelet sets its own length)");
  add_tree_keys(s);
}

// Facts `longconv info` prints for a stack of identical MultiresLayers.
NetFacts describe_stack(const nn::MultiresLayerImpl& layer, int64_t n_layers, std::optional<int64_t> length) {
  const int64_t field = nn::multires_receptive_field(layer.depth, layer.kernel_size);
  NetFacts facts;
  facts.lines = {fmt::format("depth per layer: {} (kernel_size {}, memory columns {})", layer.depth, layer.kernel_size,
                             layer.memory_size + 1),
                 fmt::format("receptive field: {} steps per layer, {} through {} layers", field,
                             1 + n_layers * (field - 1), n_layers)};
  if (length) {
    // Saved for backward per layer, in floats per channel and step: the tree input, GELU input and output, the
    // mixing conv's input and its 2x-wide output, the GLU output, the residual sum and the norm's input and output.
    facts.activation_bytes_per_example = 4.0 * 10 * static_cast<double>(layer.options.d_model() * *length * n_layers);
  }
  return facts;
}

// A lone MultiresLayer takes the layer constructor's names (wavelet_init, seq_len, memory_size).
nn::MultiresLayerOptions layer_options(const Config& c) {
  return multires_layer_options(c.get_int("net.d_model"), c.get_int("net.kernel_size"), c.get_opt_int("net.depth"),
                                c.get_opt_string("net.wavelet_init"), c.get_string("net.tree_select"),
                                c.get_opt_int("net.seq_len"), c.get_float("net.dropout"),
                                c.get_opt_int("net.memory_size"), c.get_bool("net.indep_res_init"));
}

NetType multires_layer_type() {
  NetType t;
  t.name = "MultiresLayer";
  t.help = "one MultiresLayer: x [B, d_model, L] -> Dropout1d(GELU(MultiresConv(x)))";
  t.schema = [](Schema& s) {
    s.add_int("d_model", 256, "channels")
        .add_int("kernel_size", 2, "filter length of h0 and h1 (a wavelet_init sets its own length)")
        .add_string("wavelet_init", std::nullopt, "wavelet for h0/h1: haar, db1-db10, sym2-sym10, coif1-coif5")
        .add_int("seq_len", std::nullopt, "sequence length the depth is derived from when depth is null")
        .add_float("dropout", 0.0, "Dropout1d probability after the GELU")
        .add_int("memory_size", std::nullopt, "memory columns for tree_select uniform");
    add_tree_keys(s);
  };
  t.build = [](const Config& c) {
    nn::MultiresLayer layer(layer_options(c));
    return Net{layer.ptr(),
               [layer](const torch::Tensor& x, const torch::Tensor&) mutable { return layer->forward(x); }};
  };
  t.describe = [](const Net& net) {
    const auto& layer = *net.module->as<nn::MultiresLayer>();
    return describe_stack(layer, 1, layer.options.seq_len());
  };
  return t;
}

void require_d_input(const Config& c) {
  TORCH_CHECK(!c.is_null("net.d_input"), c.origin(), ": net.d_input is null (training fills it from the dataset)");
}

// The keys add_stack_keys declares.
ResidualStackOptions stack_options(const Config& c) {
  return ResidualStackOptions()
      .d_model(c.get_int("net.d_model"))
      .n_layers(c.get_int("net.n_layers"))
      .dropout(c.get_float("net.dropout"))
      .batchnorm(c.get_bool("net.batchnorm"))
      .encoder(c.get_string("net.encoder"))
      .n_tokens(c.get_opt_int("net.n_tokens"))
      .layer_type(c.get_string("net.layer_type"))
      .max_length(c.get_opt_int("net.max_length"))
      .hinit(c.get_opt_string("net.hinit"))
      .depth(c.get_opt_int("net.depth"))
      .tree_select(c.get_string("net.tree_select"))
      .d_mem(c.get_opt_int("net.d_mem"))
      .kernel_size(c.get_int("net.kernel_size"))
      .indep_res_init(c.get_bool("net.indep_res_init"));
}

// describe_stack for MultiresNet or MultiresAR.
template <class Model>
NetFacts describe_model(const Net& built) {
  auto& net = *built.module->as<Model>();
  const auto& stack = net.options.stack();
  return describe_stack(*net.blocks.seq_layers[0]->template as<nn::MultiresLayer>(), stack.n_layers(),
                        stack.max_length());
}

MultiresNetOptions net_options(const Config& c) {
  require_d_input(c);
  return MultiresNetOptions(c.get_int("net.d_input")).d_output(c.get_int("net.d_output")).stack(stack_options(c));
}

// Input keys every stack fills from the dataset (MultiresNet adds d_output).
void fill_stack_from_data(Config& c, const data::DatasetInfo& info) {
  c.set_value("net.d_input", info.d_input);
  c.set_value("net.max_length", info.max_length);
  c.set_value<std::string>("net.encoder", info.n_tokens > 0 ? "embedding" : "linear");
  if (info.n_tokens > 0) c.set_value("net.n_tokens", info.n_tokens);
}

NetType multires_net_type() {
  NetType t;
  t.name = "MultiresNet";
  t.help = "MultiresNet classifier (classification.py): logits [B, d_output]";
  t.schema = [](Schema& s) {
    s.add_int("d_input", std::nullopt, "input channels (filled from the dataset)")
        .add_int("d_output", 10, "classes (filled from the dataset)");
    add_stack_keys(s);
  };
  t.fill_from_data = [](Config& c, const data::DatasetInfo& info) {
    fill_stack_from_data(c, info);
    c.set_value("net.d_output", info.d_output);
  };
  t.build = [](const Config& c) {
    MultiresNet net(net_options(c));
    return Net{net.ptr(), [net](const torch::Tensor& x, const torch::Tensor& lengths) mutable {
                 return net->forward(x, lengths);
               }};
  };
  t.describe = describe_model<MultiresNet>;
  return t;
}

NetType multires_ar_type() {
  NetType t;
  t.name = "MultiresAR";
  t.help = "MultiresAR autoregressive model (autoregressive.py): discretized logistic mixture parameters per position";
  t.schema = [](Schema& s) {
    s.add_int("d_input", std::nullopt, "input channels: 1 (grey) or 3 (RGB) (filled from the dataset)")
        .add_int("nr_logistic_mix", 10, "logistic mixture components per position");
    add_stack_keys(s);
  };
  t.fill_from_data = fill_stack_from_data;
  t.build = [](const Config& c) {
    require_d_input(c);
    MultiresAR net(
        MultiresAROptions(c.get_int("net.d_input"), c.get_int("net.nr_logistic_mix")).stack(stack_options(c)));
    return Net{net.ptr(), [net](const torch::Tensor& x, const torch::Tensor&) mutable { return net->forward(x); }};
  };
  t.describe = describe_model<MultiresAR>;
  return t;
}

const std::vector<NetType>& net_types() {
  static const std::vector<NetType> types = [] {
    std::vector<NetType> all{multires_layer_type(), multires_net_type(), multires_ar_type()};
    for (auto& t : ccnn_net_types()) all.push_back(std::move(t));
    return all;
  }();
  return types;
}

}  // namespace

const NetType& net_type(const std::string& name) {
  for (const auto& t : net_types()) {
    if (t.name == name) return t;
  }
  throw ConfigError(fmt::format("unknown net.type '{}' (known: {})", name, fmt::join(net_type_names(), ", ")));
}

std::vector<std::string> net_type_names() {
  std::vector<std::string> names;
  for (const auto& t : net_types()) names.push_back(t.name);
  return names;
}

}  // namespace longconv::models
