// JPEG decoding through libjpeg-turbo, for image folders (`dataset.name: folder`).
#pragma once

#include <string>

#include "io/decoded_image.h"

namespace longconv::io {

// Grey images come out with 1 channel, colour (YCbCr, RGB) ones as RGB. Throws std::runtime_error "<path>: <what is
// wrong>" for a missing, empty, truncated or corrupt file (libjpeg's warnings, such as a premature end of data, are
// errors here) and for CMYK images.
DecodedImage read_jpeg(const std::string& path);

}  // namespace longconv::io
