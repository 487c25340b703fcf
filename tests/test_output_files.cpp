// Tests for AtomicFile and the NumPy .npy writers.
//
// The expected header bytes below were produced with numpy 1.24.2 (Debian 12 python3-numpy):
//   import io, numpy as np; b = io.BytesIO(); np.save(b, a); b.getvalue()[:128 or 192]
//
// If the environment variable IONSPIKE_NPY_EXPORT_DIR names a directory, the test case
// "npy export for check_npy.py" writes sample .npy files plus matching JSON descriptions there, so
// that tests/check_npy.py can verify with numpy itself that they load:
//   IONSPIKE_NPY_EXPORT_DIR=/tmp/npy ./test_output_files "npy export for check_npy.py"
//   /usr/bin/python3 tests/check_npy.py /tmp/npy/spikes.npy /tmp/npy/spikes.json   (etc.)

#include <catch2/catch.hpp>

#include "engine/atomic_file.hpp"
#include "engine/npy_writer.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ionspike;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("ionspike_test_output_files_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in.is_open());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void spit(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

std::size_t entries_in(const fs::path& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

fs::path temp_of(const fs::path& p) {
  fs::path t = p;
  t += ".tmp-" + std::to_string(::getpid());
  return t;
}

#pragma pack(push, 1)
struct SpikeRecord {
  double time_ms;
  std::uint32_t population;
  std::uint32_t neuron;
};
#pragma pack(pop)
static_assert(sizeof(SpikeRecord) == 16);

const std::vector<NpyField> kSpikeFields = {
    {"time_ms", "<f8"}, {"population", "<u4"}, {"neuron", "<u4"}};

// The 128-byte header numpy writes for np.save(np.zeros(3)): header length 0x76 = 118.
const std::string kZeros3Header =
    std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }" + std::string(60, ' ') + "\n";

// numpy for np.zeros(3, dtype=[('time_ms','<f8'),('population','<u4'),('neuron','<u4')]):
// header length 0xb6 = 182, 192 bytes in total.
const std::string kSpikes3Header =
    std::string("\x93NUMPY\x01\x00\xb6\x00", 10) +
    "{'descr': [('time_ms', '<f8'), ('population', '<u4'), ('neuron', '<u4')], "
    "'fortran_order': False, 'shape': (3,), }" +
    std::string(67, ' ') + "\n";

// numpy for np.save(np.zeros((2, 3))).
const std::string kMatrix2x3Header =
    std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
    "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + std::string(58, ' ') + "\n";

}  // namespace

// ---- .npy: exact bytes -----------------------------------------------------------------------

TEST_CASE("npy header of np.zeros(3) matches numpy byte for byte", "[npy]") {
  REQUIRE(kZeros3Header.size() == 128);
  TempDir dir;
  const fs::path p = dir.path / "zeros.npy";
  const double zeros[3] = {0.0, 0.0, 0.0};
  write_npy_vector(p, "<f8", zeros, 3);

  const std::string bytes = slurp(p);
  REQUIRE(bytes.size() == 128 + 3 * sizeof(double));
  CHECK(bytes.substr(0, 128) == kZeros3Header);
  CHECK(bytes.substr(128) == std::string(24, '\0'));
  CHECK(make_npy_header("'<f8'", {3}) == kZeros3Header);
  // An unprefixed (native order) dtype is normalized to the same little-endian descr.
  write_npy_vector(p, "f8", zeros, 3);
  CHECK(slurp(p) == bytes);
}

TEST_CASE("npy structured header matches numpy byte for byte", "[npy]") {
  REQUIRE(kSpikes3Header.size() == 192);
  TempDir dir;
  const fs::path p = dir.path / "spikes.npy";
  const SpikeRecord recs[3] = {};
  write_npy_records(p, kSpikeFields, recs, 3);
  const std::string bytes = slurp(p);
  REQUIRE(bytes.size() == 192 + 3 * sizeof(SpikeRecord));
  CHECK(bytes.substr(0, 192) == kSpikes3Header);

  const NpyHeader h = read_npy_header(p);
  CHECK(h.descr == "[('time_ms', '<f8'), ('population', '<u4'), ('neuron', '<u4')]");
  CHECK_FALSE(h.fortran_order);
  CHECK(h.shape == std::vector<std::size_t>{3});
  CHECK(h.data_offset == 192);
}

TEST_CASE("npy matrix header matches numpy byte for byte", "[npy]") {
  TempDir dir;
  const fs::path p = dir.path / "m.npy";
  const double m[6] = {};
  write_npy_matrix(p, m, 2, 3);
  const std::string bytes = slurp(p);
  REQUIRE(bytes.size() == 128 + 48);
  CHECK(bytes.substr(0, 128) == kMatrix2x3Header);
}

TEST_CASE("npy header edge cases follow numpy's padding rules", "[npy]") {
  // Empty shape (0-d) gets no growth padding; numpy: np.save(np.float64(0)) header is 128 bytes
  // with "'shape': (), }" followed by spaces.
  const std::string h0 = make_npy_header("'<f8'", {});
  CHECK(h0.size() == 128);
  CHECK(h0.find("'shape': (), }") != std::string::npos);
  // One-byte dtypes are written with '|' like numpy does.
  TempDir dir;
  const std::uint8_t bytes[4] = {1, 2, 3, 255};
  write_npy_vector(dir.path / "u1.npy", "<u1", bytes, 4);
  CHECK(read_npy_header(dir.path / "u1.npy").descr == "|u1");
  write_npy_vector(dir.path / "b1.npy", "b1", bytes, 3);
  CHECK(read_npy_header(dir.path / "b1.npy").descr == "|b1");
  // Field names are quoted like Python's repr().
  const std::uint16_t v[1] = {7};
  write_npy_records(dir.path / "q.npy", {{"it's", "<u2"}}, v, 1);
  CHECK(read_npy_header(dir.path / "q.npy").descr == "[(\"it's\", '<u2')]");
}

TEST_CASE("npy data offset is always a multiple of 64", "[npy]") {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{9}, std::size_t{10},
                        std::size_t{12345}, std::size_t{4294967296ULL},
                        std::size_t{18446744073709551615ULL}}) {
    for (std::size_t dims = 0; dims <= 4; ++dims) {
      const std::vector<std::size_t> shape(dims, n);
      const std::string h = make_npy_header("'<f8'", shape);
      INFO("n=" << n << " dims=" << dims);
      CHECK(h.size() % 64 == 0);
      CHECK(h.back() == '\n');
      const std::size_t len = static_cast<unsigned char>(h[8]) |
                              (static_cast<std::size_t>(static_cast<unsigned char>(h[9])) << 8);
      CHECK(len + 10 == h.size());
    }
  }
  // Growing descr lengths cross every alignment boundary.
  TempDir dir;
  std::vector<NpyField> fields;
  std::vector<char> record;
  for (int k = 0; k < 40; ++k) {
    fields.push_back({"f" + std::to_string(k) + std::string(static_cast<std::size_t>(k % 7), 'x'),
                      "<i2"});
    record.resize(2 * fields.size(), '\x01');
    const fs::path p = dir.path / "r.npy";
    write_npy_records(p, fields, record.data(), 1);
    const NpyHeader h = read_npy_header(p);
    INFO("fields=" << fields.size());
    CHECK(h.data_offset % 64 == 0);
    CHECK(fs::file_size(p) == h.data_offset + record.size());
    CHECK(slurp(p)[h.data_offset - 1] == '\n');
  }
}

// ---- .npy: values --------------------------------------------------------------------------

TEST_CASE("npy round-trips values", "[npy]") {
  TempDir dir;
  SECTION("records") {
    const std::vector<SpikeRecord> spikes = {
        {0.1, 0, 7}, {1.25, 2, 4294967295u}, {-3.5e-300, 1, 0}, {1e300, 4, 12}};
    const fs::path p = dir.path / "spikes.npy";
    write_npy_records(p, kSpikeFields, spikes.data(), spikes.size());
    const NpyHeader h = read_npy_header(p);
    CHECK(h.shape == std::vector<std::size_t>{4});
    const std::string bytes = slurp(p);
    REQUIRE(bytes.size() == h.data_offset + spikes.size() * sizeof(SpikeRecord));
    std::vector<SpikeRecord> back(spikes.size());
    std::memcpy(back.data(), bytes.data() + h.data_offset, back.size() * sizeof(SpikeRecord));
    for (std::size_t i = 0; i < spikes.size(); ++i) {
      CHECK(back[i].time_ms == spikes[i].time_ms);
      CHECK(back[i].population == spikes[i].population);
      CHECK(back[i].neuron == spikes[i].neuron);
    }
  }
  SECTION("matrix") {
    std::vector<double> m(5 * 7);
    for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<double>(i) * 0.1 - 1.0;
    const fs::path p = dir.path / "m.npy";
    write_npy_matrix(p, m.data(), 5, 7);
    const NpyHeader h = read_npy_header(p);
    CHECK(h.descr == "<f8");
    CHECK(h.shape == std::vector<std::size_t>{5, 7});
    const std::string bytes = slurp(p);
    REQUIRE(bytes.size() == h.data_offset + m.size() * sizeof(double));
    CHECK(std::memcmp(bytes.data() + h.data_offset, m.data(), m.size() * sizeof(double)) == 0);
  }
  SECTION("vectors of several dtypes") {
    const std::vector<std::uint32_t> u4 = {0, 1, 4294967295u};
    const std::vector<std::int64_t> i8 = {-9223372036854775807LL - 1, -1, 42};
    const std::vector<std::uint16_t> u2 = {65535, 3};
    write_npy_vector(dir.path / "u4.npy", "<u4", u4.data(), u4.size());
    write_npy_vector(dir.path / "i8.npy", "<i8", i8.data(), i8.size());
    write_npy_vector(dir.path / "u2.npy", "<u2", u2.data(), u2.size());
    auto check = [&](const char* name, const char* descr, const void* data, std::size_t n,
                     std::size_t bytes_each) {
      const NpyHeader h = read_npy_header(dir.path / name);
      CHECK(h.descr == descr);
      CHECK(h.shape == std::vector<std::size_t>{n});
      const std::string bytes = slurp(dir.path / name);
      REQUIRE(bytes.size() == h.data_offset + n * bytes_each);
      CHECK(std::memcmp(bytes.data() + h.data_offset, data, n * bytes_each) == 0);
    };
    check("u4.npy", "<u4", u4.data(), u4.size(), 4);
    check("i8.npy", "<i8", i8.data(), i8.size(), 8);
    check("u2.npy", "<u2", u2.data(), u2.size(), 2);
  }
  SECTION("empty arrays") {
    write_npy_vector(dir.path / "e.npy", "<f8", nullptr, 0);
    write_npy_matrix(dir.path / "em.npy", nullptr, 0, 3);
    write_npy_records(dir.path / "er.npy", kSpikeFields, nullptr, 0);
    CHECK(read_npy_header(dir.path / "e.npy").shape == std::vector<std::size_t>{0});
    CHECK(read_npy_header(dir.path / "em.npy").shape == std::vector<std::size_t>{0, 3});
    CHECK(fs::file_size(dir.path / "er.npy") == read_npy_header(dir.path / "er.npy").data_offset);
  }
}

TEST_CASE("npy writers reject invalid input without touching the target", "[npy]") {
  TempDir dir;
  const fs::path p = dir.path / "keep.npy";
  spit(p, "old");
  const double d[2] = {1, 2};
  CHECK_THROWS_AS(write_npy_vector(p, ">f8", d, 2), std::invalid_argument);
  CHECK_THROWS_AS(write_npy_vector(p, "<f3", d, 2), std::invalid_argument);
  CHECK_THROWS_AS(write_npy_vector(p, "<x8", d, 2), std::invalid_argument);
  CHECK_THROWS_AS(write_npy_vector(p, "", d, 2), std::invalid_argument);
  CHECK_THROWS_AS(write_npy_vector(p, "<f8", nullptr, 2), std::invalid_argument);
  CHECK_THROWS_AS(write_npy_records(p, {}, d, 1), std::invalid_argument);
  CHECK_THROWS_AS(write_npy_records(p, {{"a", "<f8"}, {"a", "<f8"}}, d, 1),
                  std::invalid_argument);
  CHECK_THROWS_AS(write_npy_records(p, {{"", "<f8"}}, d, 1), std::invalid_argument);
  CHECK_THROWS_AS(write_npy_records(p, {{"caf\xc3\xa9", "<f8"}}, d, 1), std::invalid_argument);
  CHECK_THROWS_AS(write_npy_matrix(p, d, std::size_t{1} << 62, 8), std::invalid_argument);
  CHECK(slurp(p) == "old");
  CHECK(entries_in(dir.path) == 1);
}

TEST_CASE("npy writers in a missing directory throw naming the path", "[npy]") {
  TempDir dir;
  const fs::path p = dir.path / "no_such_dir" / "x.npy";
  const double d[1] = {1};
  CHECK_THROWS_WITH(write_npy_vector(p, "<f8", d, 1),
                    Catch::Contains(p.string()) && Catch::Contains("No such file or directory"));
  CHECK_THROWS_AS(write_npy_matrix(p, d, 1, 1), std::runtime_error);
  CHECK_THROWS_AS(write_npy_records(p, kSpikeFields, d, 0), std::runtime_error);
  CHECK_FALSE(fs::exists(dir.path / "no_such_dir"));
}

TEST_CASE("read_npy_header parses foreign headers and rejects garbage", "[npy]") {
  TempDir dir;
  // A version 2.0 header, Fortran order, 0-d and a dict with different spacing.
  std::string dict = "{\"descr\":\"<i4\",\"fortran_order\":True,\"shape\":(2,3)}\n";
  std::string v2 = std::string("\x93NUMPY\x02\x00", 8);
  v2 += static_cast<char>(dict.size());
  v2 += std::string(3, '\0');
  v2 += dict;
  spit(dir.path / "v2.npy", v2);
  const NpyHeader h = read_npy_header(dir.path / "v2.npy");
  CHECK(h.descr == "<i4");
  CHECK(h.fortran_order);
  CHECK(h.shape == std::vector<std::size_t>{2, 3});
  CHECK(h.data_offset == 12 + dict.size());

  spit(dir.path / "bad.npy", "not an npy file at all");
  CHECK_THROWS_WITH(read_npy_header(dir.path / "bad.npy"),
                    Catch::Contains("bad.npy") && Catch::Contains("magic"));
  std::string truncated = kZeros3Header.substr(0, 60);
  spit(dir.path / "trunc.npy", truncated);
  CHECK_THROWS_WITH(read_npy_header(dir.path / "trunc.npy"), Catch::Contains("truncated"));
  std::string broken = kZeros3Header;
  broken[broken.find(':')] = '@';  // "{'descr'@ '<f8', ...
  spit(dir.path / "broken.npy", broken);
  CHECK_THROWS_WITH(read_npy_header(dir.path / "broken.npy"), Catch::Contains("malformed"));
  CHECK_THROWS_WITH(read_npy_header(dir.path / "missing.npy"),
                    Catch::Contains("missing.npy") && Catch::Contains("No such file"));
}

// ---- AtomicFile ------------------------------------------------------------------------------

TEST_CASE("AtomicFile without commit leaves neither file nor temporary", "[atomic]") {
  TempDir dir;
  const fs::path p = dir.path / "out.bin";
  {
    AtomicFile f(p);
    CHECK(f.temp_path() == temp_of(p));
    f.stream() << "partial data";
    f.stream().flush();
    CHECK(fs::exists(temp_of(p)));
    CHECK_FALSE(fs::exists(p));
  }
  CHECK_FALSE(fs::exists(p));
  CHECK_FALSE(fs::exists(temp_of(p)));
  CHECK(entries_in(dir.path) == 0);

  // The same when the scope is left by an exception.
  CHECK_THROWS_AS(
      [&] {
        AtomicFile f(p);
        f.stream() << "more partial data";
        throw std::logic_error("simulated failure while writing");
      }(),
      std::logic_error);
  CHECK(entries_in(dir.path) == 0);
}

TEST_CASE("AtomicFile replaces an existing file only at commit", "[atomic]") {
  TempDir dir;
  const fs::path p = dir.path / "out.txt";
  spit(p, "old content");
  {
    AtomicFile f(p);
    f.stream() << "new content, longer than before";
    f.stream().flush();
    CHECK(slurp(p) == "old content");
    CHECK(slurp(temp_of(p)) == "new content, longer than before");
    f.commit();
    CHECK(f.committed());
    CHECK(slurp(p) == "new content, longer than before");
    CHECK_FALSE(fs::exists(temp_of(p)));
    CHECK_THROWS_WITH(f.commit(), Catch::Contains("already committed"));
  }
  CHECK(slurp(p) == "new content, longer than before");
  CHECK(entries_in(dir.path) == 1);

  // Abandoned rewrite: the old file survives.
  {
    AtomicFile f(p);
    f.stream() << "x";
  }
  CHECK(slurp(p) == "new content, longer than before");
  CHECK(entries_in(dir.path) == 1);
}

TEST_CASE("AtomicFile in a non-existent directory throws naming the path", "[atomic]") {
  TempDir dir;
  const fs::path p = dir.path / "missing" / "deeper" / "out.bin";
  CHECK_THROWS_AS(AtomicFile(p), std::runtime_error);
  CHECK_THROWS_WITH(AtomicFile(p),
                    Catch::Contains(p.string()) && Catch::Contains("No such file or directory"));
  CHECK_THROWS_AS(AtomicFile(dir.path / ""), std::runtime_error);
  CHECK(entries_in(dir.path) == 0);
}

TEST_CASE("AtomicFile rename failure throws and cleans up", "[atomic]") {
  TempDir dir;
  const fs::path p = dir.path / "occupied";
  fs::create_directories(p / "child");  // a non-empty directory cannot be replaced by a file
  {
    AtomicFile f(p);
    f.stream() << "data";
    CHECK_THROWS_WITH(f.commit(), Catch::Contains(p.string()) && Catch::Contains("rename"));
    CHECK_FALSE(f.committed());
  }
  CHECK_FALSE(fs::exists(temp_of(p)));
  CHECK(fs::is_directory(p / "child"));
}

TEST_CASE("AtomicFile reports write failures with strerror", "[atomic]") {
  TempDir dir;
  const fs::path p = dir.path / "big.bin";
  spit(p, "previous");

  rlimit old_limit{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  rlimit small = old_limit;
  small.rlim_cur = 4096;
  if (old_limit.rlim_cur != RLIM_INFINITY && old_limit.rlim_cur < small.rlim_cur)
    small.rlim_cur = old_limit.rlim_cur;
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // make write() return EFBIG instead
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);

  std::string message;
  bool threw_runtime_error = false;
  try {
    AtomicFile f(p);
    const std::string chunk(1 << 16, 'z');
    f.stream().write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    f.commit();
  } catch (const std::runtime_error& e) {
    threw_runtime_error = true;
    message = e.what();
  }
  std::string npy_message;
  try {
    std::vector<double> big(1 << 14, 1.0);
    write_npy_vector(p, "<f8", big.data(), big.size());
  } catch (const std::runtime_error& e) {
    npy_message = e.what();
  }

  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);

  CHECK(threw_runtime_error);
  CHECK_THAT(message, Catch::Contains(p.string()) && Catch::Contains("File too large"));
  CHECK_THAT(npy_message, Catch::Contains(p.string()) && Catch::Contains("File too large"));
  CHECK(slurp(p) == "previous");
  CHECK(entries_in(dir.path) == 1);
}

// ---- files for tests/check_npy.py ------------------------------------------------------------

namespace {
std::string json_double(double v) {
  std::ostringstream os;
  os << std::setprecision(17) << v;
  return os.str();
}
}  // namespace

TEST_CASE("npy export for check_npy.py", "[npy][export]") {
  const char* env = std::getenv("IONSPIKE_NPY_EXPORT_DIR");
  if (env == nullptr || *env == '\0') {
    SUCCEED("IONSPIKE_NPY_EXPORT_DIR not set; nothing exported");
    return;
  }
  const fs::path out = env;
  fs::create_directories(out);

  const std::vector<SpikeRecord> spikes = {
      {0.1, 0, 7}, {1.25, 2, 4294967295u}, {2.5, 1, 0}, {1e300, 4, 12}};
  write_npy_records(out / "spikes.npy", kSpikeFields, spikes.data(), spikes.size());
  {
    std::string j = "{\"dtype\": [[\"time_ms\", \"<f8\"], [\"population\", \"<u4\"], "
                    "[\"neuron\", \"<u4\"]], \"shape\": [4], \"values\": [";
    for (std::size_t i = 0; i < spikes.size(); ++i) {
      if (i) j += ", ";
      j += "[" + json_double(spikes[i].time_ms) + ", " + std::to_string(spikes[i].population) +
           ", " + std::to_string(spikes[i].neuron) + "]";
    }
    j += "]}\n";
    spit(out / "spikes.json", j);
  }

  const std::size_t rows = 3, cols = 4;
  std::vector<double> m(rows * cols);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<double>(i) / 3.0 - 1.0;
  write_npy_matrix(out / "matrix.npy", m.data(), rows, cols);
  {
    std::string j = "{\"dtype\": \"<f8\", \"shape\": [3, 4], \"values\": [";
    for (std::size_t r = 0; r < rows; ++r) {
      j += r ? ", [" : "[";
      for (std::size_t c = 0; c < cols; ++c)
        j += (c ? ", " : "") + json_double(m[r * cols + c]);
      j += "]";
    }
    j += "]}\n";
    spit(out / "matrix.json", j);
  }

  const std::vector<std::uint16_t> u2 = {0, 1, 65535};
  write_npy_vector(out / "vector_u2.npy", "<u2", u2.data(), u2.size());
  spit(out / "vector_u2.json", "{\"dtype\": \"<u2\", \"shape\": [3], \"values\": [0, 1, 65535]}\n");

  const std::vector<std::int64_t> i8 = {-9223372036854775807LL - 1, -1, 9223372036854775807LL};
  write_npy_vector(out / "vector_i8.npy", "<i8", i8.data(), i8.size());
  spit(out / "vector_i8.json",
       "{\"dtype\": \"<i8\", \"shape\": [3], "
       "\"values\": [-9223372036854775808, -1, 9223372036854775807]}\n");

  write_npy_vector(out / "empty_f8.npy", "<f8", nullptr, 0);
  spit(out / "empty_f8.json", "{\"dtype\": \"<f8\", \"shape\": [0], \"values\": []}\n");

  CHECK(fs::exists(out / "spikes.npy"));
}
