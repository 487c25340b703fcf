// First-in first-out queue of neuron indices in one contiguous vector: pushes at the back, pops
// at the front by moving a head index (the consumed prefix is dropped once it is half of the
// storage, so each element is moved at most once more: amortised O(1)). Indexing is a plain
// array access, unlike std::deque's block arithmetic: the grid populations walk their held
// neurons (hundreds per step in the COBA benchmark) by index every step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ionspike {

class IndexFifo {
 public:
  using const_iterator = std::vector<std::uint32_t>::const_iterator;

  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  std::uint32_t front() const { return items_[head_]; }
  std::uint32_t operator[](std::size_t i) const { return items_[head_ + i]; }
  const_iterator begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  const_iterator end() const { return items_.end(); }

  void push_back(std::uint32_t x) { items_.push_back(x); }
  void pop_front() {
    if (++head_ * 2 >= items_.size() && head_ >= kCompactFrom) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  template <class It>
  void assign(It first, It last) {
    items_.assign(first, last);
    head_ = 0;
  }

 private:
  static constexpr std::size_t kCompactFrom = 64;
  std::vector<std::uint32_t> items_;
  std::size_t head_ = 0;
};

}  // namespace ionspike
