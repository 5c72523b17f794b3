// longconv data listops --out DIR [--seed S] [--sizes TRAIN,VAL,TEST]: writes a Long ListOps dataset in LRA's TSV
// format (basic_train.tsv, basic_val.tsv, basic_test.tsv), generated as lra_benchmarks/data/listops.py does.
#include <fmt/format.h>

#include "commands.h"
#include "datagen/listops_generator.h"

namespace longconv::cli {

void add_data_listops_command(CLI::App& app) {
  CLI::App* cmd = data_command(app).add_subcommand(
      "listops", "generate Long ListOps (LRA's listops.py: 96000/2000/2000 expressions of length 500..2000)");
  struct Args {
    std::string out;
    uint64_t seed = 0;
    std::vector<int64_t> sizes = {96000, 2000, 2000};
    bool replace = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--out", args->out, "directory to write basic_{train,val,test}.tsv into")->required();
  cmd->add_option("--seed", args->seed, "random seed")->capture_default_str();
  cmd->add_option("--sizes", args->sizes, "examples in the train, val and test splits")
      ->delimiter(',')
      ->expected(3)
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--replace", args->replace, "replace a ListOps dataset already in --out (swapped in when complete)");
  cmd->callback([args] {
    data::ListOpsGeneratorOptions o;
    o.seed = args->seed;
    o.n_train = args->sizes[0];
    o.n_val = args->sizes[1];
    o.n_test = args->sizes[2];
    data::write_listops(args->out, o, args->replace);
    fmt::print("wrote {} train, {} val, {} test expressions to {}\n", o.n_train, o.n_val, o.n_test, args->out);
  });
}

}  // namespace longconv::cli
