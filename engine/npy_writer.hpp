// Writers for NumPy .npy files (format version 1.0, little endian), loadable with numpy.load.
//
// File layout (as numpy.lib.format writes it):
//   bytes 0-5   magic "\x93NUMPY"
//   bytes 6-7   format version: major 0x01, minor 0x00
//   bytes 8-9   HEADER_LEN, uint16 little endian
//   bytes 10..  HEADER_LEN bytes of ASCII: a Python dict literal with sorted keys
//                 {'descr': <dtype>, 'fortran_order': False, 'shape': (<dims>,), }
//               followed by spaces and a final '\n'.  Like numpy >= 1.24 we first append
//               21 - len(str(shape[0])) spare spaces (room to grow the first axis in place), then
//               pad so that 10 + HEADER_LEN is a multiple of 64: the data start is 64-byte aligned.
//               Hence for equal arrays our bytes are identical to np.save's.
//   then        the raw array data in C order.
// <dtype> is a string such as '<f8' (one-byte types are written '|u1' as numpy does) or, for a
// structured record array, a list like [('time_ms', '<f8'), ('population', '<u4'), ('neuron', '<u4')].
//
// Atomicity: every writer goes through AtomicFile, so <path> is either left unchanged (on any error
// the exception propagates and the temporary file is removed) or replaced by the complete file.
// Errors: std::invalid_argument for bad dtypes/field names/null data, std::runtime_error for I/O.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ionspike {

// One field of a structured record.  dtype: byte order '<' (or '|'/'=' ), kind f/i/u/b/c, size
// in bytes: "<f8", "<f4", "<u4", "<i8", "<u2", "|u1", "|b1", ...  Big-endian ('>') is rejected.
struct NpyField {
  std::string name;
  std::string dtype;
};

// A 1-D array of structured records (numpy structured dtype).  `records` points to `count`
// tightly packed records whose layout matches `fields` in order (no padding); the record size is
// the sum of the field sizes.
void write_npy_records(const std::filesystem::path& path, const std::vector<NpyField>& fields,
                       const void* records, std::size_t count);

// A C-order 2-D float64 array (rows x cols).
void write_npy_matrix(const std::filesystem::path& path, const double* data, std::size_t rows,
                      std::size_t cols);

// A 1-D array of a plain dtype (e.g. "<f8", "<u4").
void write_npy_vector(const std::filesystem::path& path, std::string_view dtype, const void* data,
                      std::size_t count);

// Parsed header of an .npy file (versions 1.0, 2.0 and 3.0 are understood).
struct NpyHeader {
  // A plain dtype is given without quotes ("<f8"); a structured dtype is the list literal exactly
  // as it appears in the file ("[('time_ms', '<f8'), ('population', '<u4'), ('neuron', '<u4')]").
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
  std::size_t data_offset = 0;  // byte offset of the first data byte
};

// Throws std::runtime_error naming the path if the file cannot be read or is not valid .npy.
NpyHeader read_npy_header(const std::filesystem::path& path);

// The complete header (magic through the final '\n') that the writers emit for `descr` (the dict
// value as Python source, e.g. "'<f8'" with quotes, or a list literal) and C-order `shape`.
std::string make_npy_header(std::string_view descr_literal, const std::vector<std::size_t>& shape);

}  // namespace ionspike
