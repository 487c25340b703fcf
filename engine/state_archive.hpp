// StateArchive: the dynamic state of a simulation, as named arrays, for checkpoints.
//
// Design note. Every stateful class has ONE function, `void checkpoint(StateArchive& ar)`,
// that both saves and restores it: `ar.values("v_mV", v_)` copies v_ into the archive when
// saving and overwrites v_ from it when restoring. The list of saved fields therefore cannot
// drift from the list of restored ones. Names are scoped ("population/exc/v_mV") by the
// RAII Scope objects the owners open, so a field is found by name, never by position.
//
// What is state: everything an event may change (membrane variables, traces, conductances,
// pending predictions, random-stream positions, spike histories, recorded data) and every
// parameter that may be changed between runs (Poisson rates, STDP amplitudes, EIS gate
// factors). What is not: what build_network derives from the network description and the
// seed (synapse tables, delays, device parameters); restoring rebuilds the network from the
// description stored in the checkpoint first, then overwrites the state.
//
// Restoring checks every length that the network fixes (one value per neuron, per synapse,
// ...) and refuses a mismatch with a CheckpointError naming the field; fields of free length
// (histories, recorded spikes) take the stored length. Arrays are stored as the raw bytes of
// their elements (trivially copyable types only; the element size is stored and checked).
// Such element types must have no implicit padding (pad explicitly with a zeroed member):
// checkpoints never carry indeterminate bytes, and two equal states give equal archives.
// Checkpoints are therefore specific to the byte order (little-endian, checked by the file
// reader) and to this build's struct layouts (a version stamp is checked).
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engine/random_stream.hpp"

namespace ionspike {

// A checkpoint that cannot be read or does not fit the network it describes.
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ArchivedField {
  std::string name;
  std::uint32_t element_bytes = 0;
  std::string bytes;  // count * element_bytes
};

class StateArchive {
 public:
  enum class Mode { Save, Restore };

  // An empty archive to save into.
  StateArchive() : mode_(Mode::Save) {}
  // An archive to restore from; `source` names the file in errors.
  StateArchive(std::vector<ArchivedField> fields, std::string source);

  bool saving() const { return mode_ == Mode::Save; }
  bool restoring() const { return mode_ == Mode::Restore; }

  // Opens a name scope for the fields registered while it lives.
  class Scope {
   public:
    Scope(StateArchive& ar, std::string_view name) : ar_(ar), previous_size_(ar.prefix_.size()) {
      ar.prefix_.append(name);
      ar.prefix_.push_back('/');
    }
    ~Scope() { ar_.prefix_.resize(previous_size_); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    StateArchive& ar_;
    std::size_t previous_size_;
  };
  Scope scope(std::string_view name) { return Scope(*this, name); }

  // A boolean (stored as one byte, 0 or 1; anything else is refused).
  void flag(std::string_view name, bool& b) {
    std::uint8_t byte = b ? 1 : 0;
    value(name, byte);
    if (byte > 1) fail(name, "must be 0 or 1");
    b = byte == 1;
  }
  // One value.
  template <typename T>
  void value(std::string_view name, T& x) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (saving()) {
      put(name, sizeof(T), &x, 1);
    } else {
      const ArchivedField& f = take(name, sizeof(T));
      expect_count(f, 1);
      std::memcpy(&x, f.bytes.data(), sizeof(T));
    }
  }
  // An array whose length the network fixes: restoring refuses another length.
  template <typename T>
  void values(std::string_view name, std::vector<T>& v) {
    array(name, v, true);
  }
  // An array of free length: restoring takes the stored length.
  template <typename T>
  void growing(std::string_view name, std::vector<T>& v) {
    array(name, v, false);
  }
  // A fixed number of rows of free length each (spike histories): row lengths + all values.
  template <typename T>
  void rows(std::string_view name, std::vector<std::vector<T>>& rows);
  // A random stream's position.
  void stream(std::string_view name, RandomStream& s);

  // Saving: the fields in the order they were registered.
  const std::vector<ArchivedField>& fields() const { return saved_; }
  std::vector<ArchivedField> take_fields() { return std::move(saved_); }
  // Restoring: throws CheckpointError if a stored field was not asked for (the checkpoint
  // describes state this network does not have).
  void expect_all_consumed() const;
  // The full name of a field in the current scope.
  std::string full_name(std::string_view name) const { return prefix_ + std::string(name); }
  [[noreturn]] void fail(std::string_view name, const std::string& what) const;

 private:
  template <typename T>
  void array(std::string_view name, std::vector<T>& v, bool fixed_length) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (saving()) {
      put(name, sizeof(T), v.data(), v.size());
      return;
    }
    const ArchivedField& f = take(name, sizeof(T));
    if (fixed_length)
      expect_count(f, v.size());
    else
      v.resize(f.bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(static_cast<void*>(v.data()), f.bytes.data(), f.bytes.size());
  }
  void put(std::string_view name, std::uint32_t element_bytes, const void* data, std::size_t count);
  const ArchivedField& take(std::string_view name, std::uint32_t element_bytes);
  void expect_count(const ArchivedField& f, std::size_t count) const;

  Mode mode_;
  std::string source_;
  std::string prefix_;
  std::vector<ArchivedField> saved_;
  std::vector<ArchivedField> stored_;
  std::map<std::string, std::size_t, std::less<>> index_;  // restoring: name -> stored_ index
  std::vector<bool> consumed_;
};

template <typename T>
void StateArchive::rows(std::string_view name, std::vector<std::vector<T>>& rows) {
  std::vector<std::uint64_t> lengths(rows.size());
  std::vector<T> flat;
  const std::string lengths_name = std::string(name) + ".lengths";
  if (saving()) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      lengths[i] = rows[i].size();
      flat.insert(flat.end(), rows[i].begin(), rows[i].end());
    }
    values(lengths_name, lengths);
    growing(name, flat);
    return;
  }
  values(lengths_name, lengths);
  growing(name, flat);
  std::uint64_t total = 0;
  for (std::uint64_t n : lengths) {
    if (n > flat.size() - total) fail(name, "row lengths exceed the stored values");
    total += n;
  }
  if (total != flat.size()) fail(name, "row lengths do not add up to the stored values");
  std::size_t at = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].assign(flat.begin() + static_cast<std::ptrdiff_t>(at),
                   flat.begin() + static_cast<std::ptrdiff_t>(at + lengths[i]));
    at += lengths[i];
  }
}

}  // namespace ionspike
