// Area under the ROC curve, as sklearn's roc_auc_score computes it (the reference's PTB-XL metric).
#pragma once

#include <optional>

#include <torch/torch.h>

namespace longconv::train {

// AUROC of one label: scores [N] (any real values) against targets [N] (0 or 1). It is the Mann-Whitney statistic:
// the probability that a random positive scores above a random negative, ties counting one half (average ranks),
// which equals the area under sklearn's ROC curve. nullopt when the targets hold only one class (sklearn raises).
std::optional<double> auroc(const torch::Tensor& scores, const torch::Tensor& targets);

// Macro AUROC: the mean over labels of scores [N, K] against targets [N, K]. Labels whose targets hold one class in
// these N examples are left out (sklearn would stop with an error; a small validation split often lacks rare
// labels). nullopt when no label has both classes.
std::optional<double> macro_auroc(const torch::Tensor& scores, const torch::Tensor& targets);

}  // namespace longconv::train
