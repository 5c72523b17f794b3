// The subcommands of `longconv`, one file each. A command's callback throws on failure; main() reports it.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/config.h"

namespace longconv::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_forward_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_keys_command(CLI::App& app);
void add_list_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_export_command(CLI::App& app);

// The `data` command, created on first use: each dataset generator adds a subcommand to it.
CLI::App& data_command(CLI::App& app);
void add_data_listops_command(CLI::App& app);
void add_data_speech_command(CLI::App& app);

// `--nproc N`: run the command as N local worker processes (app/launcher.h).
void add_nproc_option(CLI::App& command, int& nproc);

// The run config from `path` and `overrides`, with the intra-op thread count set from its `threads` key.
Config load_command_config(const std::string& path, const std::vector<std::string>& overrides);

// Adds the CONFIG positional and the key=value overrides every command takes.
void add_config_arguments(CLI::App& command, std::string& path, std::vector<std::string>& overrides);

}  // namespace longconv::cli
