#include "io/jpeg_reader.h"

// jpeglib.h needs size_t and FILE declared first.
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>

#include <csetjmp>
#include <stdexcept>

#include "io/atomic_file.h"

namespace longconv::io {

namespace {

// libjpeg reports errors through error_exit, which must not return: the message is kept here and longjmp leaves.
struct ErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr info) {
  auto* e = reinterpret_cast<ErrorManager*>(info->err);
  info->err->format_message(info, e->message);
  std::longjmp(e->jump, 1);
}

// Warnings (level -1) are corrupt or truncated data that libjpeg would paper over with grey: errors here.
void on_message(j_common_ptr info, int level) {
  if (level < 0) on_error(info);
}

// Decodes into `image`; false with e.message set on failure. No C++ object with a destructor lives in this frame
// between setjmp and a longjmp back to it.
bool decode(const std::string& bytes, ErrorManager& e, jpeg_decompress_struct& info, DecodedImage& image) {
  info.err = jpeg_std_error(&e.base);
  e.base.error_exit = on_error;
  e.base.emit_message = on_message;
  if (setjmp(e.jump)) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
    std::snprintf(e.message, sizeof e.message, "CMYK JPEGs are not supported (convert to RGB)");
    jpeg_destroy_decompress(&info);
    return false;
  }
  // Checked before jpeg_start_decompress, which for a progressive file allocates the whole image's coefficients and
  // reads every scan into them: a huge progressive image took its memory before being refused.
  if (uint64_t{info.image_width} * info.image_height > kMaxDecodedPixels) {
    std::snprintf(e.message, sizeof e.message, "image of %u x %u pixels, larger than 2^28", info.image_width,
                  info.image_height);
    jpeg_destroy_decompress(&info);
    return false;
  }
  info.out_color_space = info.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&info);
  image.width = info.output_width;
  image.height = info.output_height;
  image.channels = info.output_components;
  const size_t row_bytes = static_cast<size_t>(image.width * image.channels);
  image.pixels.resize(row_bytes * static_cast<size_t>(image.height));
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = image.pixels.data() + info.output_scanline * row_bytes;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
}

}  // namespace

DecodedImage read_jpeg(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.empty()) throw std::runtime_error(path + ": empty file (expected a JPEG image)");
  if (bytes.size() < 3 || static_cast<unsigned char>(bytes[0]) != 0xff || static_cast<unsigned char>(bytes[1]) != 0xd8)
    throw std::runtime_error(path + ": not a JPEG file (no start-of-image marker)");
  ErrorManager e{};
  jpeg_decompress_struct info{};
  DecodedImage image;
  if (!decode(bytes, e, info, image)) throw std::runtime_error(path + ": corrupt JPEG: " + e.message);
  return image;
}

}  // namespace longconv::io
