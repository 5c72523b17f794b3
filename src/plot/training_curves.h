// Figures of a run's metrics log (one record per epoch, docs/training.md): the loss, the task's metric and the
// learning rate, each against the optimizer step (left panel) and the wall time (right: the epochs' training
// seconds summed), with the train, val and test series where the records hold them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace longconv::plot {

// Writes <out_dir>/loss.png, <out_dir>/<metric>.png (accuracy, auroc, bits_per_dim, ...) and <out_dir>/lr.png, each
// `width` x `height` pixels; returns their paths. A key missing from a record leaves a gap. Throws without records.
std::vector<std::string> plot_training_curves(const std::vector<nlohmann::json>& records, const std::string& out_dir,
                                              int64_t width = 1200, int64_t height = 450);

}  // namespace longconv::plot
