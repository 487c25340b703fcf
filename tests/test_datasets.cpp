// Offline dataset readers (learning/datasets.hpp) on the data Debian ships (tools/install-deps.sh
// installs python3-sklearn and dataset-fashion-mnist: a missing file fails these tests) and on
// hostile files written here. Reference values come from numpy / sklearn.datasets.load_digits.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "learning/datasets.hpp"
#include "networks/input_error.hpp"

using namespace ionspike;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

// A fresh directory for files of one test, removed at the end.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("ionspike-datasets-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string big_endian(std::uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
          static_cast<char>(value >> 8), static_cast<char>(value)};
}

// An uncompressed IDX image file: header, then `pixel_bytes` as given (may disagree with it).
std::string idx_images(std::uint32_t magic, std::uint32_t count, std::uint32_t rows,
                       std::uint32_t cols, const std::string& pixel_bytes) {
  return big_endian(magic) + big_endian(count) + big_endian(rows) + big_endian(cols) + pixel_bytes;
}

std::string idx_labels(std::uint32_t magic, std::uint32_t count, const std::string& label_bytes) {
  return big_endian(magic) + big_endian(count) + label_bytes;
}

// The what() of the exception `load` throws; fails the test if it throws none.
template <class Load>
std::string error_of(Load&& load) {
  try {
    load();
  } catch (const std::exception& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return {};
}

// A CSV line of 64 pixels and a label, pixel k = (k % 17).
std::string digits_line(int label) {
  std::string line;
  for (int k = 0; k < 64; ++k) line += std::to_string(k % 17) + ",";
  return line + std::to_string(label) + "\n";
}

// Sum of the raw 0..255 values of an IDX dataset's pixels (exact: p * 255 is within 1e-4 of an
// integer).
std::uint64_t raw_sum(std::span<const float> pixels) {
  std::uint64_t sum = 0;
  for (const float p : pixels) sum += static_cast<std::uint64_t>(std::lround(p * 255.0f));
  return sum;
}

}  // namespace

// ---- real data --------------------------------------------------------------------------------

TEST_CASE("datasets: scikit-learn digits from Debian's python3-sklearn", "[datasets]") {
  INFO("file " << default_digits_path() << " (tools/install-deps.sh installs python3-sklearn)");
  REQUIRE(fs::exists(default_digits_path()));
  const ImageDataset digits = load_sklearn_digits();

  CHECK(digits.name == "sklearn-digits");
  REQUIRE(digits.size() == 1797);
  CHECK(digits.rows == 8);
  CHECK(digits.cols == 8);
  CHECK(digits.classes == 10);
  REQUIRE(digits.pixels.size() == 1797u * 64u);

  const std::vector<std::size_t> counts = digits.class_counts();
  CHECK(counts == std::vector<std::size_t>{178, 182, 177, 183, 181, 182, 181, 179, 174, 180});
  for (const std::size_t n : counts) {
    CHECK(n >= 174);
    CHECK(n <= 183);
  }

  // sklearn.datasets.load_digits().data[0] and target[:12], target[-1].
  const std::vector<int> first = {0, 0, 5,  13, 9,  1,  0, 0, 0, 0, 13, 15, 10, 15, 5,  0,
                                  0, 3, 15, 2,  0,  11, 8, 0, 0, 4, 12, 0,  0,  8,  8,  0,
                                  0, 5, 8,  0,  0,  9,  8, 0, 0, 4, 11, 0,  1,  12, 7,  0,
                                  0, 2, 14, 5,  10, 12, 0, 0, 0, 0, 6,  13, 10, 0,  0,  0};
  CHECK(digits.labels[0] == 0);
  const auto image0 = digits.image(0);
  REQUIRE(image0.size() == 64);
  for (std::size_t k = 0; k < 64; ++k) CHECK(image0[k] == static_cast<float>(first[k]) / 16.0f);
  const std::vector<std::uint8_t> first_labels(digits.labels.begin(), digits.labels.begin() + 12);
  CHECK(first_labels == std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1});
  CHECK(digits.labels.back() == 8);

  // Intensities in [0, 1]; data.sum() == 561718.
  double sum = 0.0;
  for (const float p : digits.pixels) {
    REQUIRE(p >= 0.0f);
    REQUIRE(p <= 1.0f);
    sum += p * 16.0;
  }
  CHECK(sum == 561718.0);
  CHECK_THROWS_AS(digits.image(1797), std::out_of_range);
}

TEST_CASE("datasets: Fashion-MNIST from Debian's dataset-fashion-mnist", "[datasets]") {
  for (const bool train : {true, false}) {
    const IdxFilePaths paths = default_fashion_mnist_paths(train);
    INFO("files " << paths.images << ", " << paths.labels
                  << " (tools/install-deps.sh installs dataset-fashion-mnist)");
    REQUIRE(fs::exists(paths.images));
    REQUIRE(fs::exists(paths.labels));
    const ImageDataset data = load_fashion_mnist(train);

    const std::size_t n = train ? 60000 : 10000;
    CHECK(data.name == (train ? "fashion-mnist-train" : "fashion-mnist-test"));
    REQUIRE(data.size() == n);
    CHECK(data.rows == 28);
    CHECK(data.cols == 28);
    CHECK(data.classes == 10);
    REQUIRE(data.pixels.size() == n * 784);
    CHECK(data.class_counts() == std::vector<std::size_t>(10, n / 10));
    const auto [min, max] = std::minmax_element(data.pixels.begin(), data.pixels.end());
    CHECK(*min == 0.0f);
    CHECK(*max == 1.0f);

    // numpy on the decompressed files: first labels, image 0, the sum of all raw pixel values.
    const std::vector<std::uint8_t> first_labels(data.labels.begin(), data.labels.begin() + 10);
    if (train) {
      CHECK(first_labels == std::vector<std::uint8_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5});
      CHECK(raw_sum(data.image(0)) == 76247);
      const std::vector<int> row10 = {0, 0, 0, 193, 228, 218, 213, 198, 180, 212};  // [10, 10:20]
      for (std::size_t k = 0; k < row10.size(); ++k)
        CHECK(data.image(0)[10 * 28 + 10 + k] == static_cast<float>(row10[k]) / 255.0f);
      CHECK(raw_sum(data.pixels) == 3431114169u);
      CHECK(data.labels.back() == 5);
    } else {
      CHECK(first_labels == std::vector<std::uint8_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7});
      CHECK(raw_sum(data.image(0)) == 33456);
      CHECK(raw_sum(data.image(n - 1)) == 24390);
      CHECK(raw_sum(data.pixels) == 573469082u);
    }
  }
}

// ---- split ------------------------------------------------------------------------------------

TEST_CASE("datasets: split_train_test is seeded, disjoint, complete and stratified", "[datasets]") {
  const ImageDataset digits = load_sklearn_digits();
  const TrainTestSplit split = split_train_test(digits, 0.25, 7);

  CHECK(split.train.name == "sklearn-digits/train");
  CHECK(split.test.name == "sklearn-digits/test");
  REQUIRE(split.test.size() == 449);  // round(0.25 * 1797)
  REQUIRE(split.train.size() == 1348);
  REQUIRE(split.test_indices.size() == 449);
  REQUIRE(split.train_indices.size() == 1348);
  CHECK(split.train.pixels.size() == 1348u * 64u);

  // Disjoint and together every image once.
  std::vector<std::size_t> all = split.train_indices;
  all.insert(all.end(), split.test_indices.begin(), split.test_indices.end());
  std::sort(all.begin(), all.end());
  std::vector<std::size_t> expected(digits.size());
  std::iota(expected.begin(), expected.end(), std::size_t{0});
  CHECK(all == expected);
  CHECK(std::is_sorted(split.train_indices.begin(), split.train_indices.end()));
  CHECK(std::is_sorted(split.test_indices.begin(), split.test_indices.end()));

  // The parts hold the images they name.
  for (std::size_t k = 0; k < split.test.size(); ++k) {
    const auto a = split.test.image(k);
    const auto b = digits.image(split.test_indices[k]);
    REQUIRE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
    REQUIRE(split.test.labels[k] == digits.labels[split.test_indices[k]]);
  }

  // Stratified: each class within one image of its share.
  const auto all_counts = digits.class_counts();
  const auto test_counts = split.test.class_counts();
  for (std::size_t c = 0; c < 10; ++c) {
    INFO("class " << c);
    CHECK(std::abs(static_cast<double>(test_counts[c]) - 0.25 * all_counts[c]) < 1.0);
    CHECK(split.train.class_counts()[c] + test_counts[c] == all_counts[c]);
  }

  // Same seed, same split; another seed, another split.
  const TrainTestSplit again = split_train_test(digits, 0.25, 7);
  CHECK(again.test_indices == split.test_indices);
  CHECK(again.train.pixels == split.train.pixels);
  CHECK(split_train_test(digits, 0.25, 8).test_indices != split.test_indices);

  // Edges and bad fractions.
  CHECK(split_train_test(digits, 0.0, 7).test.size() == 0);
  CHECK(split_train_test(digits, 1.0, 7).train.size() == 0);
  CHECK(split_train_test(digits, 0.1, 7).test.size() == 180);  // round(179.7)
  CHECK_THROWS_AS(split_train_test(digits, -0.1, 7), std::invalid_argument);
  CHECK_THROWS_AS(split_train_test(digits, 1.5, 7), std::invalid_argument);
  CHECK_THROWS_AS(split_train_test(digits, std::nan(""), 7), std::invalid_argument);
}

TEST_CASE("datasets: subset checks its indices", "[datasets]") {
  ImageDataset tiny;
  tiny.name = "tiny";
  tiny.rows = 1;
  tiny.cols = 2;
  tiny.classes = 2;
  tiny.pixels = {0.0f, 0.1f, 0.2f, 0.3f};
  tiny.labels = {0, 1};
  const std::vector<std::size_t> picks = {1, 1, 0};
  const ImageDataset part = subset(tiny, picks, "part");
  CHECK(part.pixels == std::vector<float>{0.2f, 0.3f, 0.2f, 0.3f, 0.0f, 0.1f});
  CHECK(part.labels == std::vector<std::uint8_t>{1, 1, 0});
  const std::vector<std::size_t> bad = {2};
  CHECK_THROWS_AS(subset(tiny, bad, "bad"), std::out_of_range);
  tiny.labels[1] = 2;  // not below classes
  CHECK_THROWS_AS(split_train_test(tiny, 0.5, 1), std::invalid_argument);
}

// ---- hostile files ----------------------------------------------------------------------------

TEST_CASE("datasets: bad IDX files give errors naming the file", "[datasets]") {
  TempDir dir;
  const fs::path images = dir.path() / "images-idx3-ubyte";
  const fs::path labels = dir.path() / "labels-idx1-ubyte";
  const std::string four_pixels("\x00\x40\x80\xff", 4);
  write_bytes(labels, idx_labels(2049, 1, std::string(1, '\x03')));

  SECTION("a valid plain (uncompressed) pair loads, pixels / 255") {
    write_bytes(images, idx_images(2051, 1, 2, 2, four_pixels));
    const ImageDataset data = load_idx_images(images, labels, "tiny");
    CHECK(data.name == "tiny");
    CHECK(data.size() == 1);
    CHECK(data.pixels == std::vector<float>{0.0f, 64 / 255.0f, 128 / 255.0f, 1.0f});
    CHECK(data.labels == std::vector<std::uint8_t>{3});
  }
  SECTION("truncated pixels") {
    write_bytes(images, idx_images(2051, 2, 2, 2, four_pixels + "\x01"));
    const std::string e = error_of([&] { load_idx_images(images, labels, "t"); });
    CHECK_THAT(e, Contains("images-idx3-ubyte") && Contains("truncated") &&
                      Contains("8 pixel bytes") && Contains("only 5"));
  }
  SECTION("truncated header") {
    write_bytes(images, big_endian(2051) + big_endian(1));
    const std::string e = error_of([&] { load_idx_images(images, labels, "t"); });
    CHECK_THAT(e, Contains("images-idx3-ubyte") && Contains("truncated") && Contains("16 bytes"));
  }
  SECTION("empty file") {
    write_bytes(images, "");
    CHECK_THAT(error_of([&] { load_idx_images(images, labels, "t"); }),
               Contains("images-idx3-ubyte") && Contains("truncated"));
  }
  SECTION("wrong magic: a label file given as images") {
    write_bytes(images, idx_images(2049, 1, 2, 2, four_pixels));
    const std::string e = error_of([&] { load_idx_images(images, labels, "t"); });
    CHECK_THAT(e, Contains("images-idx3-ubyte") && Contains("bad magic number 2049") &&
                      Contains("expected 2051") && Contains("label file"));
  }
  SECTION("wrong magic in the label file") {
    write_bytes(images, idx_images(2051, 1, 2, 2, four_pixels));
    write_bytes(labels, idx_labels(0x12345678, 1, std::string(1, '\x03')));
    const std::string e = error_of([&] { load_idx_images(images, labels, "t"); });
    CHECK_THAT(e, Contains("labels-idx1-ubyte") && Contains("bad magic number") &&
                      Contains("0x12345678") && Contains("expected 2049"));
  }
  SECTION("extra bytes after the images") {
    write_bytes(images, idx_images(2051, 1, 2, 2, four_pixels + "\x07"));
    CHECK_THAT(error_of([&] { load_idx_images(images, labels, "t"); }),
               Contains("images-idx3-ubyte") && Contains("extra bytes"));
  }
  SECTION("zero-sized images") {
    write_bytes(images, idx_images(2051, 1, 0, 2, ""));
    CHECK_THAT(error_of([&] { load_idx_images(images, labels, "t"); }),
               Contains("images-idx3-ubyte") && Contains("0x2 pixels"));
  }
  SECTION("a header that declares more pixels than exist") {
    write_bytes(images, idx_images(2051, 0xffffffff, 0xffffffff, 0xffffffff, four_pixels));
    CHECK_THAT(error_of([&] { load_idx_images(images, labels, "t"); }),
               Contains("images-idx3-ubyte") && Contains("too many pixels"));
    write_bytes(images, idx_images(2051, 0xffffffff, 28, 28, four_pixels));
    CHECK_THAT(error_of([&] { load_idx_images(images, labels, "t"); }),
               Contains("images-idx3-ubyte") && Contains("truncated") && Contains("only 4"));
  }
  SECTION("label count differs from image count") {
    write_bytes(images, idx_images(2051, 1, 2, 2, four_pixels));
    write_bytes(labels, idx_labels(2049, 2, "\x01\x02"));
    const std::string e = error_of([&] { load_idx_images(images, labels, "t"); });
    CHECK_THAT(e, Contains("labels-idx1-ubyte") && Contains("2 labels") && Contains("1 images"));
  }
  SECTION("truncated labels") {
    write_bytes(images, idx_images(2051, 1, 2, 2, four_pixels));
    write_bytes(labels, idx_labels(2049, 1, ""));
    CHECK_THAT(error_of([&] { load_idx_images(images, labels, "t"); }),
               Contains("labels-idx1-ubyte") && Contains("truncated"));
  }
  SECTION("label out of range") {
    write_bytes(images, idx_images(2051, 1, 2, 2, four_pixels));
    write_bytes(labels, idx_labels(2049, 1, "\x0a"));
    const std::string e = error_of([&] { load_idx_images(images, labels, "t"); });
    CHECK_THAT(e, Contains("labels-idx1-ubyte") && Contains("label of image 0 is 10") &&
                      Contains("below 10"));
    CHECK_NOTHROW(load_idx_images(images, labels, "t", 11));
    CHECK_THROWS_AS(load_idx_images(images, labels, "t", 0), std::invalid_argument);
  }
  SECTION("missing file: names it and the Debian package") {
    const std::string e = error_of([&] { load_idx_images(dir.path() / "absent.gz", labels, "t"); });
    CHECK_THAT(e, Contains("absent.gz") && Contains("not found") &&
                      Contains("dataset-fashion-mnist"));
  }
  SECTION("a directory") {
    const std::string e = error_of([&] { load_idx_images(dir.path(), labels, "t"); });
    CHECK_THAT(e, Contains(dir.path().string()) && Contains("directory"));
  }
}

TEST_CASE("datasets: damaged gzip files give errors naming the file", "[datasets]") {
  TempDir dir;
  const fs::path labels_gz = default_fashion_mnist_paths(false).labels;
  REQUIRE(fs::exists(labels_gz));
  const std::string compressed = read_bytes(labels_gz);
  const fs::path images = dir.path() / "images-idx3-ubyte";
  write_bytes(images, idx_images(2051, 10000, 1, 1, std::string(10000, '\x01')));

  SECTION("the intact copy loads") {
    const fs::path copy = dir.path() / "copy-labels.gz";
    write_bytes(copy, compressed);
    CHECK(load_idx_images(images, copy, "t").size() == 10000);
  }
  SECTION("cut in half") {
    const fs::path cut = dir.path() / "cut-labels.gz";
    write_bytes(cut, compressed.substr(0, compressed.size() / 2));
    const std::string e = error_of([&] { load_idx_images(images, cut, "t"); });
    CHECK_THAT(e, Contains("cut-labels.gz") && Contains("truncated .gz file"));
    CHECK_THAT(e, !Contains("after 8 decompressed bytes"));  // where the data end, not the header
  }
  SECTION("bytes changed in the middle") {
    std::string damaged = compressed;
    for (std::size_t k = damaged.size() / 2; k < damaged.size() / 2 + 64; ++k)
      damaged[k] = static_cast<char>(~damaged[k]);
    const fs::path bad = dir.path() / "damaged-labels.gz";
    write_bytes(bad, damaged);
    const std::string e = error_of([&] { load_idx_images(images, bad, "t"); });
    INFO(e);
    CHECK_THAT(e, Contains("damaged-labels.gz"));
    CHECK(e.find("damaged-labels.gz") == e.rfind("damaged-labels.gz"));  // named once
  }
}

TEST_CASE("datasets: bad digits CSV files give errors naming the file and line", "[datasets]") {
  TempDir dir;
  const fs::path csv = dir.path() / "digits-bad.csv";

  SECTION("a valid plain CSV loads, pixels / 16, blank lines skipped") {
    write_bytes(csv, digits_line(3) + "\n" + digits_line(9) + "\r\n");
    const ImageDataset data = load_sklearn_digits(csv);
    REQUIRE(data.size() == 2);
    CHECK(data.labels == std::vector<std::uint8_t>{3, 9});
    CHECK(data.image(1)[16] == 16 / 16.0f);
    CHECK(data.image(1)[17] == 0.0f);
  }
  SECTION("63 values on line 2") {
    std::string short_line = digits_line(1);
    short_line.erase(0, short_line.find(',') + 1);  // drop the first pixel
    write_bytes(csv, digits_line(0) + short_line);
    const std::string e = error_of([&] { load_sklearn_digits(csv); });
    CHECK_THAT(e, Contains("digits-bad.csv:2:") && Contains("64 comma-separated values") &&
                      Contains("expected 65"));
    write_bytes(csv, digits_line(0) + "1,2,3\n");
    CHECK_THAT(error_of([&] { load_sklearn_digits(csv); }),
               Contains("digits-bad.csv:2:") && Contains("3 comma-separated values"));
  }
  SECTION("exactly 63 values") {
    std::string line;
    for (int k = 0; k < 62; ++k) line += "0,";
    write_bytes(csv, line + "0\n");
    CHECK_THAT(error_of([&] { load_sklearn_digits(csv); }),
               Contains("digits-bad.csv:1:") && Contains("63 comma-separated values"));
  }
  SECTION("pixel 17") {
    std::string line = digits_line(1);
    line.replace(0, 1, "17");  // pixel[0]
    write_bytes(csv, digits_line(0) + digits_line(2) + line);
    const std::string e = error_of([&] { load_sklearn_digits(csv); });
    CHECK_THAT(e, Contains("digits-bad.csv:3:1:") && Contains("pixel[0]") &&
                      Contains("0..16") && Contains("got 17"));
  }
  SECTION("a pixel that is not a number, a negative or fractional pixel") {
    for (const std::string bad : {"x", "-1", "2.5", "", "nan", "inf"}) {
      std::string line = digits_line(1);
      line.replace(0, 1, bad);
      write_bytes(csv, line);
      INFO("pixel '" << bad << "'");
      CHECK_THAT(error_of([&] { load_sklearn_digits(csv); }),
                 Contains("digits-bad.csv:1:1:") && Contains("pixel[0]"));
    }
  }
  SECTION("label 10") {
    write_bytes(csv, digits_line(10));
    CHECK_THAT(error_of([&] { load_sklearn_digits(csv); }),
               Contains("digits-bad.csv:1:") && Contains("label") && Contains("0..9") &&
                   Contains("got 10"));
  }
  SECTION("no data") {
    write_bytes(csv, "\n\n");
    CHECK_THAT(error_of([&] { load_sklearn_digits(csv); }),
               Contains("digits-bad.csv") && Contains("no data"));
  }
  SECTION("binary garbage") {
    write_bytes(csv, std::string("\x00\x01\x02,\xff\n", 6));
    CHECK_THAT(error_of([&] { load_sklearn_digits(csv); }), Contains("digits-bad.csv:1:"));
  }
  SECTION("missing file: names it and the Debian package") {
    const std::string e = error_of([&] { load_sklearn_digits(dir.path() / "nope.csv.gz"); });
    CHECK_THAT(e, Contains("nope.csv.gz") && Contains("not found") && Contains("python3-sklearn"));
  }
  SECTION("errors are InputErrors with the location") {
    write_bytes(csv, digits_line(10));
    try {
      load_sklearn_digits(csv);
      FAIL("expected an InputError");
    } catch (const InputError& e) {
      CHECK(e.where().file == csv.string());
      CHECK(e.where().line == 1);
      CHECK(e.field() == "label");
    }
  }
}
