// PNG decoding through libpng, for image datasets stored as PNG files (LRA Pathfinder).
#pragma once

#include <string>

#include "io/decoded_image.h"

namespace longconv::io {

// 8 bits per channel: palette images come out as RGB(A), low bit depths are scaled up to 8 bits, 16-bit samples keep
// their high byte. Throws std::runtime_error "<path>: <what is wrong>" for a missing, empty, truncated or corrupt
// file.
DecodedImage read_png(const std::string& path);

}  // namespace longconv::io
