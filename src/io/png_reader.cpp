#include "io/png_reader.h"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "io/atomic_file.h"

namespace longconv::io {

namespace {

struct Source {
  const std::string* bytes;
  size_t offset = 0;
};

// libpng reports errors through longjmp; the message is kept here for the exception thrown afterwards.
struct Decoder {
  std::string error;
  std::jmp_buf jump;
};

void on_error(png_structp png, png_const_charp message) {
  auto* d = static_cast<Decoder*>(png_get_error_ptr(png));
  d->error = message;
  std::longjmp(d->jump, 1);
}

void on_warning(png_structp, png_const_charp) {}

void on_read(png_structp png, png_bytep out, png_size_t n) {
  auto* src = static_cast<Source*>(png_get_io_ptr(png));
  if (src->bytes->size() - src->offset < n) png_error(png, "file truncated");
  std::memcpy(out, src->bytes->data() + src->offset, n);
  src->offset += n;
}

// Decodes into `image`; returns false with d.error set on failure. No C++ object with a destructor lives in this
// frame between setjmp and a longjmp back to it.
bool decode(const std::string& bytes, Decoder& d, DecodedImage& image, std::vector<png_bytep>& rows) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d, on_error, on_warning);
  if (!png) {
    d.error = "cannot create a libpng reader";
    return false;
  }
  png_infop info = png_create_info_struct(png);
  Source src{&bytes};
  if (setjmp(d.jump)) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  if (!info) png_error(png, "cannot create libpng info");
  png_set_read_fn(png, &src, on_read);
  png_read_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
  if (uint64_t{width} * height > kMaxDecodedPixels) png_error(png, "image larger than 2^28 pixels");
  png_set_expand(png);  // palette -> RGB, grey < 8 bits -> 8 bits, tRNS -> alpha
  png_set_strip_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  image.width = width;
  image.height = height;
  image.channels = png_get_channels(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  if (row_bytes != static_cast<size_t>(width) * static_cast<size_t>(image.channels))
    png_error(png, "unexpected row size after expanding to 8 bits per channel");
  image.pixels.resize(row_bytes * height);
  rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) rows[y] = image.pixels.data() + y * row_bytes;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

}  // namespace

DecodedImage read_png(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw std::runtime_error(path + ": no such file");
  if (!std::filesystem::is_regular_file(path, ec)) throw std::runtime_error(path + ": not a regular file");
  const std::string bytes = read_file(path);
  if (bytes.empty()) throw std::runtime_error(path + ": empty file (expected a PNG image)");
  if (bytes.size() < 8 || png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) != 0)
    throw std::runtime_error(path + ": not a PNG file (bad signature)");
  Decoder d;
  DecodedImage image;
  std::vector<png_bytep> rows;
  if (!decode(bytes, d, image, rows)) throw std::runtime_error(path + ": corrupt PNG: " + d.error);
  return image;
}

}  // namespace longconv::io
