#include "util/rotation.h"

#include <cmath>

#include "util/random.h"

namespace longconv {

Mat3 random_rotation(std::mt19937_64& rng) {
  const double u1 = uniform01(rng), u2 = uniform01(rng), u3 = uniform01(rng);
  const double a = std::sqrt(1 - u1), b = std::sqrt(u1);
  const double w = a * std::sin(2 * M_PI * u2), x = a * std::cos(2 * M_PI * u2);
  const double y = b * std::sin(2 * M_PI * u3), z = b * std::cos(2 * M_PI * u3);
  return {{{1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)},
           {2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)},
           {2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)}}};
}

}  // namespace longconv
