// Offline readers of the labelled image sets used by the unsupervised digit-learning study
// (Diehl & Cook 2015 style), and a seeded, stratified train/test split. Nothing is downloaded:
// the data come from Debian 12 packages, which tools/install-deps.sh installs.
//
// Data sources
//   * scikit-learn's 8x8 handwritten digits (Debian package python3-sklearn):
//       /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
//     The test part of the UCI "Optical Recognition of Handwritten Digits" set (E. Alpaydin,
//     C. Kaynak, 1998): 1797 images, 10 classes (digits 0..9, 174..183 images each). Each pixel is
//     the number of "on" pixels in a 4x4 block of a 32x32 bitmap, an integer 0..16.
//     Format: gzip-compressed text, one image per line, 65 comma-separated numbers: the 64 pixels
//     row by row, then the label 0..9 (sklearn reads it with numpy.loadtxt, so "16" and "16.0"
//     are both accepted here; blank lines are skipped).
//   * Fashion-MNIST (Zalando Research; Debian package dataset-fashion-mnist):
//       /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
//     60000 training and 10000 test images of 28x28 pixels, 10 classes (0 T-shirt/top,
//     1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot),
//     6000 / 1000 images per class. The original MNIST digits are not packaged by Debian; they
//     use the same IDX format, so load_idx_images reads them as well.
//     IDX format (gzip-compressed or plain; all integers 32-bit big-endian):
//       images: magic 2051 (0x00000803: unsigned bytes, 3 dimensions), count, rows, cols, then
//               count*rows*cols bytes, image after image, row by row, 0 = background .. 255
//       labels: magic 2049 (0x00000801: unsigned bytes, 1 dimension), count, then count bytes
//
// Units: every pixel is an intensity in [0, 1] (digits: value / 16; IDX: value / 255).
//
// Errors: ionspike::InputError (a std::runtime_error) naming the file, and the line and column
// for CSV text, for a missing file (with the Debian package that provides it), a wrong magic
// number, a truncated file or trailing bytes, inconsistent counts, a pixel or label out of range
// or a line with the wrong number of values; std::runtime_error naming the file for a file that
// cannot be read or whose gzip data are corrupt. std::invalid_argument for bad arguments
// (split fraction, subset index, inconsistent ImageDataset).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace ionspike {

// Images of equal size with one class label each.
struct ImageDataset {
  std::string name;
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  // size() * rows * cols intensities in [0, 1]: image after image, each row by row.
  std::vector<float> pixels;
  // One label per image, each < classes.
  std::vector<std::uint8_t> labels;
  std::uint32_t classes = 0;

  std::size_t size() const { return labels.size(); }
  std::size_t pixels_per_image() const { return std::size_t{rows} * cols; }

  // The rows * cols pixels of image i. Throws std::out_of_range if i >= size().
  std::span<const float> image(std::size_t i) const;

  // Number of images of each class (classes entries).
  std::vector<std::size_t> class_counts() const;
};

// Where Debian 12 installs the data.
std::filesystem::path default_digits_path();  // package python3-sklearn

struct IdxFilePaths {
  std::filesystem::path images;
  std::filesystem::path labels;
};
IdxFilePaths default_fashion_mnist_paths(bool train);  // package dataset-fashion-mnist

// scikit-learn's digits.csv.gz (or the same text uncompressed): 8x8 images, pixels / 16,
// 10 classes. Named "sklearn-digits".
ImageDataset load_sklearn_digits(const std::filesystem::path& csv_gz = default_digits_path());

// An IDX image file and its IDX label file (each gzip-compressed or plain): pixels / 255.
// Every label must be below `classes` (1..256).
ImageDataset load_idx_images(const std::filesystem::path& images_path,
                             const std::filesystem::path& labels_path, std::string name,
                             std::uint32_t classes = 10);

// Fashion-MNIST from the Debian paths: "fashion-mnist-train" (60000) or "fashion-mnist-test"
// (10000).
ImageDataset load_fashion_mnist(bool train);

// The images at `indices` (in that order, repeats allowed) as a new dataset called `name`.
// Throws std::out_of_range for an index >= dataset.size().
ImageDataset subset(const ImageDataset& dataset, std::span<const std::size_t> indices,
                    std::string name);

struct TrainTestSplit {
  ImageDataset train;  // named "<name>/train"
  ImageDataset test;   // named "<name>/test"
  // Positions in the source dataset, ascending: train.image(k) is source.image(train_indices[k]).
  std::vector<std::size_t> train_indices;
  std::vector<std::size_t> test_indices;
};

// Splits `dataset` into disjoint train and test parts, stratified by class, reproducibly:
//   * the test part holds round(test_fraction * size()) images (halves round up);
//   * class c gets floor(test_fraction * n_c) of them, and the images left over go one each to
//     the classes with the largest remainders (ties to the lower class), so every class is within
//     one image of its proportional share;
//   * which images of class c are test images is decided by a Fisher-Yates shuffle of that class
//     (in source order) with RandomStream(seed, "split_train_test", c), the test images being the
//     first ones of the shuffled class;
//   * both parts keep the source order.
// The result depends only on (labels, classes, test_fraction, seed). Throws std::invalid_argument
// unless 0 <= test_fraction <= 1 or if the dataset is inconsistent.
TrainTestSplit split_train_test(const ImageDataset& dataset, double test_fraction,
                                std::uint64_t seed);

}  // namespace ionspike
