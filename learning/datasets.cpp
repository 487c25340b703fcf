#include "learning/datasets.hpp"

#include "engine/gzip_reader.hpp"
#include "engine/random_stream.hpp"
#include "networks/input_error.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

namespace ionspike {
namespace {

namespace fs = std::filesystem;

// ---- where the data come from -----------------------------------------------------------------

constexpr const char* kDigitsPackage = "python3-sklearn";
constexpr const char* kFashionMnistPackage = "dataset-fashion-mnist";
constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

constexpr std::uint32_t kDigitsSide = 8;
constexpr std::uint32_t kDigitsClasses = 10;
constexpr int kDigitsMaxPixel = 16;

// Decompressed text beyond this is not scikit-learn's digits (265 kB): stop reading.
constexpr std::size_t kMaxCsvBytes = std::size_t{64} << 20;
// Bytes read from an IDX file per call.
constexpr std::size_t kIdxChunkBytes = std::size_t{1} << 20;
// Pixels reserved up front at most (a header may declare far more than the file holds).
constexpr std::size_t kMaxReservedPixels = std::size_t{1} << 26;

[[noreturn]] void bad_input(const fs::path& path, const std::string& message, int line = 0,
                            int column = 0, const std::string& field = "") {
  throw InputError({path.string(), line, column}, field, message);
}

void require_file(const fs::path& path, const std::string& install_hint) {
  std::error_code ec;
  if (!fs::exists(path, ec)) bad_input(path, "file not found; " + install_hint);
}

std::string debian_hint(const std::string& what, const char* package, const std::string& where) {
  return what + " ships with Debian's package " + package + " (apt-get install " + package +
         ", or run tools/install-deps.sh), which installs it " + where;
}

// ---- scikit-learn digits (CSV) ----------------------------------------------------------------

std::string read_text(GzipReader& in, std::size_t max_bytes) {
  std::string text;
  std::vector<char> chunk(std::size_t{1} << 16);
  while (std::size_t got = in.read(chunk.data(), chunk.size())) {
    if (text.size() + got > max_bytes)
      bad_input(in.path(), "more than " + std::to_string(max_bytes >> 20) +
                               " MiB of text: not scikit-learn's digits.csv");
    text.append(chunk.data(), got);
  }
  return text;
}

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// One CSV value that must be an integer in [0, max_value] ("16" or "16.0").
int parse_small_integer(std::string_view field, int max_value, const fs::path& path, int line,
                        int column, const std::string& name) {
  const std::string_view text = trim(field);
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string allowed = "must be an integer in 0.." + std::to_string(max_value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    bad_input(path, allowed + ", got '" + std::string(text) + "' (not a number)", line, column,
              name);
  if (!(value >= 0.0 && value <= max_value) || value != std::floor(value))
    bad_input(path, allowed + ", got " + std::string(text), line, column, name);
  return static_cast<int>(value);
}

// Parses one line of 64 pixels and a label, appending to `dataset`.
void parse_digits_line(std::string_view line, const fs::path& path, int line_number,
                       ImageDataset& dataset) {
  constexpr std::size_t kPixels = std::size_t{kDigitsSide} * kDigitsSide;
  constexpr std::size_t kValues = kPixels + 1;
  const auto values = static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
  if (values != kValues)
    bad_input(path,
              std::to_string(values) + " comma-separated values, expected " +
                  std::to_string(kValues) + " (64 pixels 0..16 row by row, then the label 0..9)",
              line_number);
  std::size_t start = 0;
  for (std::size_t k = 0; k < kValues; ++k) {
    const std::size_t comma = std::min(line.find(',', start), line.size());
    const std::string_view field = line.substr(start, comma - start);
    const int column = static_cast<int>(start) + 1;
    if (k < kPixels) {
      const int value = parse_small_integer(field, kDigitsMaxPixel, path, line_number, column,
                                            "pixel[" + std::to_string(k) + "]");
      dataset.pixels.push_back(static_cast<float>(value) / kDigitsMaxPixel);
    } else {
      const int label = parse_small_integer(field, static_cast<int>(kDigitsClasses) - 1, path,
                                            line_number, column, "label");
      dataset.labels.push_back(static_cast<std::uint8_t>(label));
    }
    start = comma + 1;
  }
}

// ---- IDX --------------------------------------------------------------------------------------

constexpr std::uint32_t kIdxImagesMagic = 2051;  // 0x00000803: unsigned bytes, 3 dimensions
constexpr std::uint32_t kIdxLabelsMagic = 2049;  // 0x00000801: unsigned bytes, 1 dimension

std::uint32_t big_endian_u32(const unsigned char* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

std::string hex32(std::uint32_t value) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) out += digits[(value >> shift) & 0xf];
  return out;
}

// Reads the IDX header of `header_words` 32-bit words and checks its magic number.
std::vector<std::uint32_t> read_idx_header(GzipReader& in, std::size_t header_words,
                                           std::uint32_t magic, const char* kind) {
  std::array<unsigned char, 16> bytes{};
  const std::size_t want = header_words * 4;
  const std::size_t got = in.read(bytes.data(), want);
  if (got < want)
    bad_input(in.path(), std::string("truncated: the header of an IDX ") + kind + " file has " +
                             std::to_string(want) + " bytes, the file holds only " +
                             std::to_string(got));
  std::vector<std::uint32_t> words(header_words);
  for (std::size_t k = 0; k < header_words; ++k) words[k] = big_endian_u32(bytes.data() + 4 * k);
  if (words[0] != magic) {
    std::string message = "bad magic number " + std::to_string(words[0]) + " (" + hex32(words[0]) +
                          "), expected " + std::to_string(magic) + " (" + hex32(magic) +
                          ") of an IDX " + kind + " file";
    if (words[0] == kIdxImagesMagic) message += "; this looks like an IDX image file";
    if (words[0] == kIdxLabelsMagic) message += "; this looks like an IDX label file";
    bad_input(in.path(), message);
  }
  return words;
}

// Fails unless the reader is at the end of its data.
void require_end(GzipReader& in, const std::string& declared) {
  unsigned char extra = 0;
  if (in.read(&extra, 1) != 0)
    bad_input(in.path(), "extra bytes after the " + declared + " its header declares");
}

// Reads the pixels of `count` images of rows x cols, scaled to [0, 1].
std::vector<float> read_idx_pixels(GzipReader& in, std::uint32_t count, std::uint32_t rows,
                                   std::uint32_t cols) {
  const std::uint64_t per_image = std::uint64_t{rows} * cols;  // < 2^64: both factors < 2^32
  const std::string declared = std::to_string(count) + " images of " + std::to_string(rows) + "x" +
                               std::to_string(cols);
  if (per_image != 0 && count > std::numeric_limits<std::size_t>::max() / per_image)
    bad_input(in.path(), "the header declares " + declared + ": too many pixels to hold");
  const std::size_t total = static_cast<std::size_t>(count * per_image);

  std::array<float, 256> intensity{};
  for (std::size_t v = 0; v < intensity.size(); ++v)
    intensity[v] = static_cast<float>(v) / 255.0f;

  std::vector<float> pixels;
  std::vector<unsigned char> chunk(kIdxChunkBytes);
  while (pixels.size() < total) {
    const std::size_t want = std::min(chunk.size(), total - pixels.size());
    const std::size_t got = in.read(chunk.data(), want);
    // Reserve once the file has shown it holds data, not on the header's word alone.
    if (pixels.empty() && got == want) pixels.reserve(std::min(total, kMaxReservedPixels));
    for (std::size_t k = 0; k < got; ++k) pixels.push_back(intensity[chunk[k]]);
    if (got < want)
      bad_input(in.path(), "truncated: the header declares " + declared + " (" +
                               std::to_string(total) + " pixel bytes), the file holds only " +
                               std::to_string(pixels.size()));
  }
  require_end(in, declared);
  return pixels;
}

std::vector<std::uint8_t> read_idx_labels(GzipReader& in, std::uint32_t count,
                                          std::uint32_t classes) {
  const std::string declared = std::to_string(count) + " labels";
  std::vector<std::uint8_t> labels;
  labels.reserve(std::min<std::size_t>(count, kMaxReservedPixels));
  std::vector<unsigned char> chunk(kIdxChunkBytes);
  while (labels.size() < count) {
    const std::size_t want = std::min<std::size_t>(chunk.size(), count - labels.size());
    const std::size_t got = in.read(chunk.data(), want);
    for (std::size_t k = 0; k < got; ++k) {
      if (chunk[k] >= classes)
        bad_input(in.path(), "the label of image " + std::to_string(labels.size()) + " is " +
                                 std::to_string(chunk[k]) + ", must be below " +
                                 std::to_string(classes) + " (the number of classes)");
      labels.push_back(chunk[k]);
    }
    if (got < want)
      bad_input(in.path(), "truncated: the header declares " + declared +
                               ", the file holds only " + std::to_string(labels.size()));
  }
  require_end(in, declared);
  return labels;
}

// ---- checks shared by subset and split --------------------------------------------------------

void require_consistent(const ImageDataset& dataset, const char* caller) {
  const auto fail = [&](const std::string& why) {
    throw std::invalid_argument(std::string(caller) + ": dataset '" + dataset.name + "' " + why);
  };
  if (dataset.pixels.size() != dataset.size() * dataset.pixels_per_image())
    fail("has " + std::to_string(dataset.pixels.size()) + " pixels, expected " +
         std::to_string(dataset.size()) + " images x " + std::to_string(dataset.rows) + "x" +
         std::to_string(dataset.cols));
  for (std::size_t i = 0; i < dataset.size(); ++i)
    if (dataset.labels[i] >= dataset.classes)
      fail("has label " + std::to_string(dataset.labels[i]) + " at image " + std::to_string(i) +
           ", not below its " + std::to_string(dataset.classes) + " classes");
}

// How many test images each class gets; see split_train_test in the header.
std::vector<std::size_t> test_quota_per_class(const std::vector<std::size_t>& class_sizes,
                                              std::size_t total_images, double test_fraction) {
  const std::size_t classes = class_sizes.size();
  const auto total_test =
      static_cast<std::size_t>(std::llround(test_fraction * static_cast<double>(total_images)));
  std::vector<std::size_t> quota(classes);
  std::vector<double> remainder(classes);
  std::size_t assigned = 0;
  for (std::size_t c = 0; c < classes; ++c) {
    const double share = test_fraction * static_cast<double>(class_sizes[c]);
    quota[c] = std::min(class_sizes[c], static_cast<std::size_t>(std::floor(share)));
    remainder[c] = share - static_cast<double>(quota[c]);
    assigned += quota[c];
  }
  // Largest remainders first, ties to the lower class.
  std::vector<std::size_t> order(classes);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  // One image each to the classes with the largest remainders. (The loops also settle the
  // last-bit disagreements floating point could cause between the per-class and total products.)
  while (assigned < total_test) {
    for (std::size_t c : order)
      if (assigned < total_test && quota[c] < class_sizes[c]) {
        ++quota[c];
        ++assigned;
      }
  }
  while (assigned > total_test) {
    for (auto c = order.rbegin(); c != order.rend(); ++c)
      if (assigned > total_test && quota[*c] > 0) {
        --quota[*c];
        --assigned;
      }
  }
  return quota;
}

}  // namespace

// ---- ImageDataset -----------------------------------------------------------------------------

std::span<const float> ImageDataset::image(std::size_t i) const {
  if (i >= size())
    throw std::out_of_range("ImageDataset '" + name + "': image " + std::to_string(i) +
                            " requested, it has " + std::to_string(size()));
  const std::size_t n = pixels_per_image();
  if (pixels.size() < (i + 1) * n)
    throw std::out_of_range("ImageDataset '" + name + "': holds too few pixels for image " +
                            std::to_string(i));
  return std::span<const float>(pixels).subspan(i * n, n);
}

std::vector<std::size_t> ImageDataset::class_counts() const {
  std::vector<std::size_t> counts(classes, 0);
  for (const std::uint8_t label : labels)
    if (label < classes) ++counts[label];
  return counts;
}

// ---- paths ------------------------------------------------------------------------------------

std::filesystem::path default_digits_path() {
  return "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
}

IdxFilePaths default_fashion_mnist_paths(bool train) {
  const fs::path dir = kFashionMnistDir;
  const std::string prefix = train ? "train" : "t10k";
  return {dir / (prefix + "-images-idx3-ubyte.gz"), dir / (prefix + "-labels-idx1-ubyte.gz")};
}

// ---- loaders ----------------------------------------------------------------------------------

ImageDataset load_sklearn_digits(const std::filesystem::path& csv_gz) {
  require_file(csv_gz, debian_hint("scikit-learn's digits data set", kDigitsPackage,
                                   "as " + default_digits_path().string()));
  GzipReader in(csv_gz);
  const std::string text = read_text(in, kMaxCsvBytes);

  ImageDataset dataset;
  dataset.name = "sklearn-digits";
  dataset.rows = kDigitsSide;
  dataset.cols = kDigitsSide;
  dataset.classes = kDigitsClasses;
  int line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t newline = std::min(text.find('\n', start), text.size());
    const std::string_view line = std::string_view(text).substr(start, newline - start);
    ++line_number;
    if (!trim(line).empty()) parse_digits_line(line, csv_gz, line_number, dataset);
    start = newline + 1;
  }
  if (dataset.size() == 0)
    bad_input(csv_gz, "no data: expected lines of 65 comma-separated values");
  return dataset;
}

ImageDataset load_idx_images(const std::filesystem::path& images_path,
                             const std::filesystem::path& labels_path, std::string name,
                             std::uint32_t classes) {
  if (classes < 1 || classes > 256)
    throw std::invalid_argument(
        "load_idx_images: classes must be in 1..256 (labels are bytes), got " +
        std::to_string(classes));
  const std::string hint = debian_hint("Fashion-MNIST", kFashionMnistPackage,
                                       std::string("in ") + kFashionMnistDir);
  require_file(images_path, hint);
  require_file(labels_path, hint);

  ImageDataset dataset;
  dataset.name = std::move(name);
  dataset.classes = classes;
  {
    GzipReader images(images_path);
    const auto header = read_idx_header(images, 4, kIdxImagesMagic, "image");
    const std::uint32_t count = header[1];
    dataset.rows = header[2];
    dataset.cols = header[3];
    if (count == 0) bad_input(images_path, "the header declares no images");
    if (dataset.rows == 0 || dataset.cols == 0)
      bad_input(images_path, "the header declares images of " + std::to_string(dataset.rows) +
                                 "x" + std::to_string(dataset.cols) + " pixels");
    dataset.pixels = read_idx_pixels(images, count, dataset.rows, dataset.cols);

    GzipReader labels(labels_path);
    const auto label_header = read_idx_header(labels, 2, kIdxLabelsMagic, "label");
    if (label_header[1] != count)
      bad_input(labels_path, "the header declares " + std::to_string(label_header[1]) +
                                 " labels, but " + images_path.string() + " holds " +
                                 std::to_string(count) + " images");
    dataset.labels = read_idx_labels(labels, count, classes);
  }
  return dataset;
}

ImageDataset load_fashion_mnist(bool train) {
  const IdxFilePaths paths = default_fashion_mnist_paths(train);
  return load_idx_images(paths.images, paths.labels,
                         train ? "fashion-mnist-train" : "fashion-mnist-test");
}

// ---- subsets and splits -----------------------------------------------------------------------

ImageDataset subset(const ImageDataset& dataset, std::span<const std::size_t> indices,
                    std::string name) {
  require_consistent(dataset, "subset");
  ImageDataset part;
  part.name = std::move(name);
  part.rows = dataset.rows;
  part.cols = dataset.cols;
  part.classes = dataset.classes;
  part.pixels.reserve(indices.size() * dataset.pixels_per_image());
  part.labels.reserve(indices.size());
  for (const std::size_t i : indices) {
    const std::span<const float> image = dataset.image(i);  // checks i
    part.pixels.insert(part.pixels.end(), image.begin(), image.end());
    part.labels.push_back(dataset.labels[i]);
  }
  return part;
}

TrainTestSplit split_train_test(const ImageDataset& dataset, double test_fraction,
                                std::uint64_t seed) {
  if (!(test_fraction >= 0.0 && test_fraction <= 1.0))
    throw std::invalid_argument("split_train_test: test_fraction must be in [0, 1], got " +
                                std::to_string(test_fraction));
  require_consistent(dataset, "split_train_test");

  std::vector<std::vector<std::size_t>> members(dataset.classes);
  for (std::size_t i = 0; i < dataset.size(); ++i) members[dataset.labels[i]].push_back(i);
  std::vector<std::size_t> class_sizes(dataset.classes);
  for (std::size_t c = 0; c < members.size(); ++c) class_sizes[c] = members[c].size();
  const std::vector<std::size_t> quota =
      test_quota_per_class(class_sizes, dataset.size(), test_fraction);

  TrainTestSplit split;
  for (std::size_t c = 0; c < members.size(); ++c) {
    std::vector<std::size_t>& images = members[c];
    RandomStream rng(seed, "split_train_test", c);
    for (std::size_t k = images.size(); k > 1; --k)
      std::swap(images[k - 1], images[static_cast<std::size_t>(rng.below(k))]);
    split.test_indices.insert(split.test_indices.end(), images.begin(),
                              images.begin() + static_cast<std::ptrdiff_t>(quota[c]));
    split.train_indices.insert(split.train_indices.end(),
                               images.begin() + static_cast<std::ptrdiff_t>(quota[c]),
                               images.end());
  }
  std::sort(split.train_indices.begin(), split.train_indices.end());
  std::sort(split.test_indices.begin(), split.test_indices.end());
  split.train = subset(dataset, split.train_indices, dataset.name + "/train");
  split.test = subset(dataset, split.test_indices, dataset.name + "/test");
  return split;
}

}  // namespace ionspike
