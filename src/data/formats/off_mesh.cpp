#include "data/formats/off_mesh.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace longconv::data {
namespace {

// The file's non-blank lines without comments, each split into tokens, with its 1-based line number.
struct Lines {
  Lines(const std::string& text, std::string origin) : origin_(std::move(origin)) {
    std::istringstream in(text);
    std::string line;
    int64_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
      std::istringstream words(line);
      std::vector<std::string> tokens;
      for (std::string w; words >> w;) tokens.push_back(w);
      if (!tokens.empty()) lines_.push_back({number, std::move(tokens)});
    }
    last_line_ = number;
  }

  bool done() const { return next_ >= lines_.size(); }
  size_t remaining() const { return lines_.size() - next_; }
  // The next line's tokens; `what` names the expected content in the error at the end of the file.
  std::vector<std::string>& next(const std::string& what) {
    if (done()) fail(last_line_, "unexpected end of file, expected " + what);
    line_ = lines_[next_].first;
    return lines_[next_++].second;
  }
  [[noreturn]] void fail(int64_t line, const std::string& message) const {
    throw std::runtime_error(origin_ + ":" + std::to_string(line) + ": " + message);
  }
  [[noreturn]] void fail(const std::string& message) const { fail(line_, message); }

  double number(const std::string& token) const {
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(token.c_str(), &end);
    if (end == token.c_str() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
      fail("'" + token + "' is not a finite number");
    return v;
  }
  int64_t integer(const std::string& token, const std::string& what) const {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(token.c_str(), &end, 10);
    if (end == token.c_str() || *end != '\0' || errno == ERANGE || v < 0)
      fail("'" + token + "' is not a valid " + what);
    return v;
  }

 private:
  std::string origin_;
  std::vector<std::pair<int64_t, std::vector<std::string>>> lines_;
  size_t next_ = 0;
  int64_t line_ = 0, last_line_ = 0;
};

}  // namespace

TriangleMesh parse_off(const std::string& text, const std::string& origin) {
  Lines lines(text, origin);
  std::vector<std::string> header = lines.next("the OFF header");
  if (header[0].rfind("OFF", 0) != 0) lines.fail("expected the header 'OFF', got '" + header[0] + "'");
  std::vector<std::string> counts(header.begin() + 1, header.end());
  if (header[0].size() > 3) counts.insert(counts.begin(), header[0].substr(3));  // "OFF490 518 0"
  if (counts.empty()) counts = lines.next("the counts 'vertices faces edges'");
  if (counts.size() < 2) lines.fail("expected the counts 'vertices faces edges'");
  const int64_t n_vertices = lines.integer(counts[0], "vertex count");
  const int64_t n_faces = lines.integer(counts[1], "face count");
  if (n_vertices < 3 || n_faces < 1)
    lines.fail("a mesh needs >= 3 vertices and >= 1 face, got " + std::to_string(n_vertices) + " and " +
               std::to_string(n_faces));

  TriangleMesh mesh;
  // The counts are the file's claim: no more room than the lines that are there ("OFF 4000000000000 1" is 20 bytes).
  mesh.vertices.reserve(std::min(static_cast<size_t>(n_vertices), lines.remaining()));
  for (int64_t v = 0; v < n_vertices; ++v) {
    const auto& t = lines.next("vertex " + std::to_string(v) + " of " + std::to_string(n_vertices));
    if (t.size() < 3) lines.fail("vertex " + std::to_string(v) + ": expected 3 coordinates");
    mesh.vertices.push_back({lines.number(t[0]), lines.number(t[1]), lines.number(t[2])});
  }
  for (int64_t f = 0; f < n_faces; ++f) {
    const auto& t = lines.next("face " + std::to_string(f) + " of " + std::to_string(n_faces));
    const int64_t n = lines.integer(t[0], "face vertex count");
    if (n < 3) lines.fail("face " + std::to_string(f) + " has " + std::to_string(n) + " vertices, expected >= 3");
    if (static_cast<int64_t>(t.size()) < n + 1)
      lines.fail("face " + std::to_string(f) + " lists " + std::to_string(t.size() - 1) + " of its " +
                 std::to_string(n) + " vertex indices");
    std::vector<int64_t> ids;
    for (int64_t i = 1; i <= n; ++i) {
      const int64_t id = lines.integer(t[static_cast<size_t>(i)], "vertex index");
      if (id >= n_vertices)
        lines.fail("face " + std::to_string(f) + ": vertex index " + std::to_string(id) + " outside [0, " +
                   std::to_string(n_vertices) + ")");
      ids.push_back(id);
    }
    for (int64_t i = 1; i + 1 < n; ++i)
      mesh.triangles.push_back({ids[0], ids[static_cast<size_t>(i)], ids[static_cast<size_t>(i + 1)]});
  }
  return mesh;
}

TriangleMesh read_off(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the OFF file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_off(text.str(), path);
}

}  // namespace longconv::data
