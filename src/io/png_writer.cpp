#include "io/png_writer.h"

#include <png.h>

#include <stdexcept>

#include "io/atomic_file.h"

namespace longconv::io {
namespace {

void append_bytes(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), length);
}

void ignore_flush(png_structp) {}

// libpng reports errors by longjmp to png_jmpbuf; this frame holds no C++ object that the jump could skip.
// false: libpng failed (its message went to stderr).
bool write_image(png_structp png, png_infop info, std::string* out, const uint8_t* data, png_uint_32 width,
                 png_uint_32 height, int channels) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_write_fn(png, out, append_bytes, ignore_flush);
  png_set_IHDR(png, info, width, height, 8, channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (png_uint_32 y = 0; y < height; ++y) png_write_row(png, data + static_cast<size_t>(y) * width * channels);
  png_write_end(png, nullptr);
  return true;
}

}  // namespace

std::string encode_png(const torch::Tensor& image) {
  TORCH_CHECK(image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3) && image.scalar_type() == torch::kUInt8,
              "a PNG image must be uint8 [C, H, W] with C = 1 or 3, got ", image.scalar_type(), " ", image.sizes());
  TORCH_CHECK(image.size(1) >= 1 && image.size(2) >= 1, "a PNG image needs H, W >= 1, got ", image.sizes());
  const int64_t channels = image.size(0), height = image.size(1), width = image.size(2);
  const auto rows = image.permute({1, 2, 0}).contiguous().cpu();  // [H, W, C], interleaved as PNG stores it

  std::string bytes;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  const bool ok = info && write_image(png, info, &bytes, rows.data_ptr<uint8_t>(), static_cast<png_uint_32>(width),
                                      static_cast<png_uint_32>(height), static_cast<int>(channels));
  png_destroy_write_struct(&png, &info);
  TORCH_CHECK(ok, "png: libpng failed to encode a ", width, "x", height, " image");
  return bytes;
}

void write_png(const std::string& path, const torch::Tensor& image) {
  try {
    write_file_atomic(path, encode_png(image));
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace longconv::io
