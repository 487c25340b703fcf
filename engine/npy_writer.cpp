#include "engine/npy_writer.hpp"

#include "engine/atomic_file.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

namespace ionspike {

static_assert(std::endian::native == std::endian::little,
              "npy_writer writes host-order data labelled little endian; add byte swapping for "
              "big-endian hosts");

namespace {

constexpr char kMagic[] = "\x93NUMPY";     // 6 bytes (+ terminating NUL, not written)
constexpr std::size_t kMagicLen = 6;
constexpr std::size_t kPreludeV1 = 10;     // magic + 2 version bytes + uint16 header length
constexpr std::size_t kArrayAlign = 64;    // numpy.lib.format.ARRAY_ALIGN
constexpr std::size_t kGrowthAxisMaxDigits = 21;  // numpy.lib.format.GROWTH_AXIS_MAX_DIGITS

// ---- dtypes ------------------------------------------------------------------------------

struct DtypeInfo {
  std::string descr;  // normalized as numpy writes it: "<f8", "|u1", ...
  std::size_t size = 0;
};

DtypeInfo parse_dtype(std::string_view dtype) {
  const std::string shown(dtype);
  auto bad = [&](const char* why) -> std::invalid_argument {
    return std::invalid_argument("npy: unsupported dtype '" + shown + "': " + why);
  };
  std::string_view s = dtype;
  char order = '=';
  if (!s.empty() && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) {
    order = s[0];
    s.remove_prefix(1);
  }
  if (s.size() < 2) throw bad("expected [byte order]<kind><size>, e.g. \"<f8\"");
  const char kind = s[0];
  s.remove_prefix(1);
  std::size_t size = 0;
  for (char c : s) {
    if (c < '0' || c > '9' || size > 100) throw bad("size must be a small decimal number");
    size = size * 10 + static_cast<std::size_t>(c - '0');
  }
  bool ok = false;
  switch (kind) {
    case 'f': ok = size == 2 || size == 4 || size == 8; break;
    case 'i':
    case 'u': ok = size == 1 || size == 2 || size == 4 || size == 8; break;
    case 'b': ok = size == 1; break;
    case 'c': ok = size == 8 || size == 16; break;
    default: throw bad("kind must be one of f, i, u, b, c");
  }
  if (!ok) throw bad("invalid size for this kind");
  if (order == '>' && size > 1) throw bad("big-endian data is not supported");
  DtypeInfo info;
  info.size = size;
  info.descr = (size == 1 ? "|" : "<") + std::string(1, kind) + std::to_string(size);
  return info;
}

// Python's repr() of an ASCII str (the header of format 1.0 is latin-1; we allow ASCII only).
std::string py_repr(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) throw std::invalid_argument("npy: field name '" + std::string(text) +
                                               "' must be ASCII");
    if (c == '\\' || c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

std::size_t checked_mul(std::size_t a, std::size_t b, const char* what) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
    throw std::invalid_argument(std::string("npy: ") + what + " overflows size_t");
  return a * b;
}

void write_npy(const std::filesystem::path& path, const std::string& descr_literal,
               const std::vector<std::size_t>& shape, const void* data, std::size_t bytes) {
  if (bytes != 0 && data == nullptr)
    throw std::invalid_argument("npy: null data pointer for non-empty array '" + path.string() +
                                "'");
  const std::string header = make_npy_header(descr_literal, shape);
  AtomicFile file(path);
  std::ostream& out = file.stream();
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  const char* p = static_cast<const char*>(data);
  constexpr std::size_t kChunk = std::size_t{1} << 30;
  while (bytes > 0 && out) {
    const std::size_t n = std::min(bytes, kChunk);
    out.write(p, static_cast<std::streamsize>(n));
    p += n;
    bytes -= n;
  }
  file.commit();  // checks the stream state; throws with strerror on failure
}

// ---- header parsing (a tiny Python-literal parser) -----------------------------------------

struct PyValue {
  enum Kind { Str, Int, Bool, None, Tuple, List, Dict } kind = None;
  std::string str;
  unsigned long long integer = 0;
  bool negative = false;
  bool boolean = false;
  std::vector<PyValue> items;  // Tuple, List; Dict: the values, keys[i] -> items[i]
  // Dict keys (string keys only). Not a vector of (key, PyValue) pairs: std::pair of an
  // incomplete type is ill-formed (clang with libstdc++ refuses it).
  std::vector<std::string> keys;
  std::size_t begin = 0, end = 0;                          // source span
};

class PyLiteralParser {
 public:
  explicit PyLiteralParser(std::string_view text) : s_(text) {}

  PyValue parse_top() {
    PyValue v = value();
    skip_ws();
    if (i_ != s_.size()) error("trailing characters after the header dict");
    return v;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    throw std::runtime_error(what + " at header offset " + std::to_string(i_));
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  bool peek(char c) {
    skip_ws();
    return i_ < s_.size() && s_[i_] == c;
  }
  void expect(char c) {
    if (!peek(c)) error(std::string("expected '") + c + "'");
    ++i_;
  }

  PyValue value() {
    skip_ws();
    if (i_ >= s_.size()) error("unexpected end of header");
    const std::size_t start = i_;
    PyValue v;
    const char c = s_[i_];
    if (c == '\'' || c == '"' || ((c == 'u' || c == 'b') && i_ + 1 < s_.size() &&
                                  (s_[i_ + 1] == '\'' || s_[i_ + 1] == '"'))) {
      v.kind = PyValue::Str;
      v.str = string_literal();
    } else if (c == '(' || c == '[') {
      const char close = c == '(' ? ')' : ']';
      v.kind = c == '(' ? PyValue::Tuple : PyValue::List;
      ++i_;
      while (!peek(close)) {
        v.items.push_back(value());
        if (peek(',')) ++i_;
        else if (!peek(close)) error(std::string("expected ',' or '") + close + "'");
      }
      ++i_;
    } else if (c == '{') {
      v.kind = PyValue::Dict;
      ++i_;
      while (!peek('}')) {
        PyValue key = value();
        if (key.kind != PyValue::Str) error("dict key is not a string");
        expect(':');
        v.keys.push_back(key.str);
        v.items.push_back(value());
        if (peek(',')) ++i_;
        else if (!peek('}')) error("expected ',' or '}'");
      }
      ++i_;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = PyValue::Int;
      if (c == '-') {
        v.negative = true;
        ++i_;
      }
      const std::size_t digits_start = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
        const auto d = static_cast<unsigned long long>(s_[i_] - '0');
        if (v.integer > (std::numeric_limits<unsigned long long>::max() - d) / 10)
          error("integer too large");
        v.integer = v.integer * 10 + d;
        ++i_;
      }
      if (i_ == digits_start) error("expected digits");
      if (i_ < s_.size() && (s_[i_] == 'L' || s_[i_] == 'l')) ++i_;  // Python 2 long
    } else if (s_.substr(i_, 4) == "True") {
      v.kind = PyValue::Bool;
      v.boolean = true;
      i_ += 4;
    } else if (s_.substr(i_, 5) == "False") {
      v.kind = PyValue::Bool;
      i_ += 5;
    } else if (s_.substr(i_, 4) == "None") {
      v.kind = PyValue::None;
      i_ += 4;
    } else {
      error(std::string("unexpected character '") + c + "'");
    }
    v.begin = start;
    v.end = i_;
    return v;
  }

  std::string string_literal() {
    if (s_[i_] == 'u' || s_[i_] == 'b') ++i_;
    const char quote = s_[i_++];
    std::string out;
    while (true) {
      if (i_ >= s_.size()) error("unterminated string");
      const char c = s_[i_++];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) error("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case '0': out += '\0'; break;
        case 'x': {
          if (i_ + 2 > s_.size()) error("bad \\x escape");
          auto hex = [&](char h) -> int {
            if (h >= '0' && h <= '9') return h - '0';
            if (h >= 'a' && h <= 'f') return h - 'a' + 10;
            if (h >= 'A' && h <= 'F') return h - 'A' + 10;
            error("bad \\x escape");
          };
          out += static_cast<char>(hex(s_[i_]) * 16 + hex(s_[i_ + 1]));
          i_ += 2;
          break;
        }
        default: out += e; break;  // \\ \' \" and anything else taken literally
      }
    }
    return out;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

// ---- public API -----------------------------------------------------------------------------

std::string make_npy_header(std::string_view descr_literal, const std::vector<std::size_t>& shape) {
  std::string dict = "{'descr': ";
  dict += descr_literal;
  dict += ", 'fortran_order': False, 'shape': (";
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (k > 0) dict += ", ";
    dict += std::to_string(shape[k]);
  }
  if (shape.size() == 1) dict += ',';
  dict += "), }";
  // numpy >= 1.24: spare room so the first (growth) axis can be rewritten in place.
  if (!shape.empty()) dict.append(kGrowthAxisMaxDigits - std::to_string(shape[0]).size(), ' ');

  // Same arithmetic as numpy.lib.format._wrap_header (note: padlen is 64, not 0, when the
  // unpadded header happens to be aligned already).
  const std::size_t hlen = dict.size() + 1;  // + '\n'
  const std::size_t padlen = kArrayAlign - ((kPreludeV1 + hlen) % kArrayAlign);
  const std::size_t header_len = hlen + padlen;
  if (header_len > std::numeric_limits<std::uint16_t>::max())
    throw std::invalid_argument("npy: header of " + std::to_string(header_len) +
                                " bytes is too long for format version 1.0");

  std::string out(kMagic, kMagicLen);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header_len & 0xff);
  out += static_cast<char>((header_len >> 8) & 0xff);
  out += dict;
  out.append(padlen, ' ');
  out += '\n';
  return out;
}

void write_npy_records(const std::filesystem::path& path, const std::vector<NpyField>& fields,
                       const void* records, std::size_t count) {
  if (fields.empty()) throw std::invalid_argument("npy: record dtype needs at least one field");
  std::string descr = "[";
  std::size_t record_size = 0;
  std::set<std::string> seen;
  for (std::size_t k = 0; k < fields.size(); ++k) {
    const NpyField& f = fields[k];
    if (f.name.empty()) throw std::invalid_argument("npy: empty field name");
    if (!seen.insert(f.name).second)
      throw std::invalid_argument("npy: duplicate field name '" + f.name + "'");
    const DtypeInfo info = parse_dtype(f.dtype);
    if (k > 0) descr += ", ";
    descr += "(" + py_repr(f.name) + ", '" + info.descr + "')";
    record_size += info.size;
  }
  descr += "]";
  write_npy(path, descr, {count}, records, checked_mul(count, record_size, "record count"));
}

void write_npy_matrix(const std::filesystem::path& path, const double* data, std::size_t rows,
                      std::size_t cols) {
  const std::size_t n = checked_mul(rows, cols, "rows * cols");
  write_npy(path, "'<f8'", {rows, cols}, data, checked_mul(n, sizeof(double), "matrix size"));
}

void write_npy_vector(const std::filesystem::path& path, std::string_view dtype, const void* data,
                      std::size_t count) {
  const DtypeInfo info = parse_dtype(dtype);
  write_npy(path, "'" + info.descr + "'", {count}, data,
            checked_mul(count, info.size, "vector size"));
}

NpyHeader read_npy_header(const std::filesystem::path& path) {
  const std::string where = "read_npy_header: '" + path.string() + "': ";
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open())
    throw std::runtime_error(where + (errno ? std::strerror(errno) : "cannot open"));

  unsigned char prelude[8];
  if (!in.read(reinterpret_cast<char*>(prelude), sizeof prelude))
    throw std::runtime_error(where + "file too short for an .npy header");
  if (std::memcmp(prelude, kMagic, kMagicLen) != 0)
    throw std::runtime_error(where + "not an .npy file (bad magic)");
  const unsigned major = prelude[6];
  const unsigned minor = prelude[7];
  std::size_t header_len = 0;
  std::size_t prelude_len = 0;
  if (major == 1 && minor == 0) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2))
      throw std::runtime_error(where + "truncated header length");
    header_len = b[0] | (std::size_t{b[1]} << 8);
    prelude_len = 10;
  } else if ((major == 2 || major == 3) && minor == 0) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4))
      throw std::runtime_error(where + "truncated header length");
    header_len = b[0] | (std::size_t{b[1]} << 8) | (std::size_t{b[2]} << 16) |
                 (std::size_t{b[3]} << 24);
    prelude_len = 12;
  } else {
    throw std::runtime_error(where + "unsupported format version " + std::to_string(major) + "." +
                             std::to_string(minor));
  }
  std::string text(header_len, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(header_len)))
    throw std::runtime_error(where + "truncated header dict");

  PyValue dict;
  try {
    dict = PyLiteralParser(text).parse_top();
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(where + "malformed header: " + e.what());
  }
  if (dict.kind != PyValue::Dict) throw std::runtime_error(where + "header is not a dict");

  NpyHeader h;
  h.data_offset = prelude_len + header_len;
  bool have_descr = false, have_order = false, have_shape = false;
  for (std::size_t e = 0; e < dict.keys.size(); ++e) {
    const std::string& key = dict.keys[e];
    const PyValue& v = dict.items[e];
    if (key == "descr") {
      if (v.kind == PyValue::Str) h.descr = v.str;
      else if (v.kind == PyValue::List) h.descr = text.substr(v.begin, v.end - v.begin);
      else throw std::runtime_error(where + "'descr' is neither a string nor a list");
      have_descr = true;
    } else if (key == "fortran_order") {
      if (v.kind != PyValue::Bool) throw std::runtime_error(where + "'fortran_order' not a bool");
      h.fortran_order = v.boolean;
      have_order = true;
    } else if (key == "shape") {
      if (v.kind != PyValue::Tuple && v.kind != PyValue::List)
        throw std::runtime_error(where + "'shape' is not a tuple");
      for (const PyValue& d : v.items) {
        if (d.kind != PyValue::Int || d.negative ||
            d.integer > std::numeric_limits<std::size_t>::max())
          throw std::runtime_error(where + "'shape' entries must be non-negative integers");
        h.shape.push_back(static_cast<std::size_t>(d.integer));
      }
      have_shape = true;
    } else {
      throw std::runtime_error(where + "unexpected header key '" + key + "'");
    }
  }
  if (!have_descr || !have_order || !have_shape)
    throw std::runtime_error(where + "header lacks 'descr', 'fortran_order' or 'shape'");
  return h;
}

}  // namespace ionspike
