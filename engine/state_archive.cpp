#include "engine/state_archive.hpp"

#include <algorithm>

namespace ionspike {

StateArchive::StateArchive(std::vector<ArchivedField> fields, std::string source)
    : mode_(Mode::Restore), source_(std::move(source)), stored_(std::move(fields)), consumed_(stored_.size()) {
  for (std::size_t i = 0; i < stored_.size(); ++i)
    if (!index_.emplace(stored_[i].name, i).second)
      throw CheckpointError(source_ + ": field '" + stored_[i].name + "' appears twice");
}

void StateArchive::fail(std::string_view name, const std::string& what) const {
  throw CheckpointError(source_ + ": field '" + full_name(name) + "': " + what);
}

void StateArchive::put(std::string_view name, std::uint32_t element_bytes, const void* data, std::size_t count) {
  ArchivedField f;
  f.name = full_name(name);
  f.element_bytes = element_bytes;
  f.bytes.assign(static_cast<const char*>(data), count * element_bytes);
  saved_.push_back(std::move(f));
}

const ArchivedField& StateArchive::take(std::string_view name, std::uint32_t element_bytes) {
  const auto it = index_.find(full_name(name));
  if (it == index_.end()) fail(name, "missing from the checkpoint (it was written for another network or version)");
  const ArchivedField& f = stored_[it->second];
  if (f.element_bytes != element_bytes)
    fail(name, "elements of " + std::to_string(f.element_bytes) + " bytes, this build expects " +
                   std::to_string(element_bytes));
  if (f.bytes.size() % element_bytes != 0) fail(name, "its length is not a whole number of elements");
  if (consumed_[it->second]) fail(name, "read twice (two objects of the network share a name)");
  consumed_[it->second] = true;
  return f;
}

void StateArchive::expect_count(const ArchivedField& f, std::size_t count) const {
  const std::size_t stored = f.bytes.size() / f.element_bytes;
  if (stored != count)
    throw CheckpointError(source_ + ": field '" + f.name + "' holds " + std::to_string(stored) +
                          " values, the network needs " + std::to_string(count));
}

void StateArchive::stream(std::string_view name, RandomStream& s) {
  RandomStream::State state = s.state();
  const std::optional<double> cached = s.cached_normal();
  double cached_value = cached.value_or(0.0);
  std::uint8_t has_cached = cached.has_value() ? 1 : 0;
  const std::string n(name);
  value(n + ".state", state);
  value(n + ".has_cached_normal", has_cached);
  value(n + ".cached_normal", cached_value);
  if (restoring()) {
    if (state == RandomStream::State{}) fail(name, "the all-zero generator state is invalid");
    s.set_state(state);
    if (has_cached > 1) fail(n + ".has_cached_normal", "must be 0 or 1");
    s.set_cached_normal(has_cached ? std::optional<double>(cached_value) : std::nullopt);
  }
}

void StateArchive::expect_all_consumed() const {
  for (std::size_t i = 0; i < stored_.size(); ++i)
    if (!consumed_[i])
      throw CheckpointError(source_ + ": field '" + stored_[i].name +
                            "' describes state this network does not have (written for another network or version)");
}

}  // namespace ionspike
