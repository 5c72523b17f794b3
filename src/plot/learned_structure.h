// Figures of what a net learned, the structure the papers plot:
//   ccnn_kernels.png     every CKConv/FlexConv's kernel as the conv applies it (sampled by the kernel net on its
//                        training grid, masked, cropped): 1D the first channels against relative position, 2D the
//                        first channels as images (3D: their middle slice);
//   ccnn_masks.png       every FlexConv's Gaussian mask along each dim, over the part of the grid where a mask exceeds
//                        1%, with the crop threshold, and the mask widths (sigma) per layer;
//   multires_filters.png per MultiresLayer: the first channels' h0 and h1 against tap, the mixing weights w
//                        (channels x columns) and the mean |w| per tree level.
// A conv that never ran (train_length still 0, no kernel grid yet) is left out.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

namespace longconv::plot {

// Writes the figures that apply to `net` into `out_dir` and returns their paths (none for a net with neither kind).
std::vector<std::string> plot_learned_structure(const torch::nn::Module& net, const std::string& out_dir);

}  // namespace longconv::plot
