// longconv: train, evaluate, inspect and run long-range convolutional models from run configs.
#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "commands.h"
#include "util/runtime.h"

int main(int argc, char** argv) {
  longconv::reexec_with_passive_omp_wait(argv);
  CLI::App app{"longconv: long-range convolutional models (CCNN, MultiresNet) on LibTorch"};
  app.require_subcommand(1);
  longconv::cli::add_train_command(app);
  longconv::cli::add_eval_command(app);
  longconv::cli::add_info_command(app);
  longconv::cli::add_forward_command(app);
  longconv::cli::add_data_listops_command(app);
  longconv::cli::add_data_speech_command(app);
  longconv::cli::add_sample_command(app);
  longconv::cli::add_keys_command(app);
  longconv::cli::add_list_command(app);
  longconv::cli::add_plot_command(app);
  longconv::cli::add_export_command(app);
  // CLI11 reports an unknown command word as a missing command ("A subcommand is required").
  if (argc > 1 && argv[1][0] != '-' &&
      app.get_subcommands([&](CLI::App* s) { return s->get_name() == argv[1]; }).empty()) {
    std::string names;
    for (const CLI::App* s : app.get_subcommands([](CLI::App*) { return true; }))
      names += (names.empty() ? "" : ", ") + s->get_name();
    fmt::print(stderr, "error: unknown command '{}' (commands: {})\nRun with --help for more information.\n", argv[1],
               names);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Usage errors exit 2 (as getopt tools do); --help exits 0.
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const c10::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
