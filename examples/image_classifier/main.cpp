// Batch classification of PNG images with a model trained by `longconv train` on an image dataset whose pixels go
// in scaled to [0, 1] without standardisation (LRA Pathfinder, as its loader's ToTensor): one predict() call for all
// the images. Sequence models (MultiresNet, dataset.layout: sequence) see each image flattened in raster order.
//
//   image_classifier RUN_DIR IMAGE.png...
//
// Output per image: "FILE class=K probs P0 P1 ...".
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include <longconv/longconv.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: image_classifier RUN_DIR IMAGE.png...\n");
    return 2;
  }
  try {
    const longconv::Model model = longconv::load_run(argv[1]);
    const bool sequence = model.config_value("dataset.layout") == "sequence";
    std::vector<torch::Tensor> images;
    for (int i = 2; i < argc; ++i) {
      torch::Tensor image = longconv::read_png(argv[i]).to(torch::kFloat32) / 255.0;  // [C, H, W]
      if (!images.empty() && image.sizes() != images.front().sizes())
        throw std::runtime_error(std::string(argv[i]) + ": not the size of " + argv[2]);
      images.push_back(image);
    }
    torch::Tensor x = torch::stack(images);  // [B, C, H, W]
    if (sequence) x = x.flatten(2);          // [B, C, H * W]
    const torch::Tensor probs = model.predict_proba(x);
    for (int64_t b = 0; b < probs.size(0); ++b) {
      std::printf("%s class=%lld probs", argv[b + 2], static_cast<long long>(probs[b].argmax().item<int64_t>()));
      for (int64_t k = 0; k < probs.size(1); ++k) std::printf(" %.6f", probs[b][k].item<double>());
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
