// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of TensorBoard/TFRecord event records.
#pragma once

#include <cstdint>
#include <string_view>

namespace longconv::io {

// CRC-32C of `bytes` (crc32c("123456789") = 0xE3069283). `crc` continues an earlier checksum.
uint32_t crc32c(std::string_view bytes, uint32_t crc = 0);

// TFRecord's masked form, ((crc >> 15) | (crc << 17)) + 0xA282EAD8: checksums of data that holds checksums stay
// distinguishable from the data's own.
uint32_t masked_crc32c(std::string_view bytes);

}  // namespace longconv::io
