// Min-priority queue of events ordered by their total key (see event.hpp).
//
// Design note. A plain heap of every pending event stops fitting in the caches at scale: a
// 100 000-neuron event-driven network keeps ~5 * 10^5 events pending (one predicted threshold
// crossing per neuron, superseded predictions, deliveries), an 11 MB heap, and every pop then
// walks ~9 levels of cache misses (bench/networks/brette4_100k.pbtxt: ~600 ns per popped event,
// docs/benchmarks.md "Event path at scale"). Here pending events are binned by time into
// buckets of kBucketWidthMs (a calendar queue):
//   - the current bucket, sorted once when it becomes current (popped from the back of a
//     vector in descending key order);
//   - `late_`, a small 4-ary heap of the events pushed into the current bucket (or before it)
//     after it was sorted (e.g. deliveries at the current time, a crossing predicted now);
//   - a ring of kBuckets unsorted buckets for the next bucket indices (an event costs one
//     push_back there until its bucket becomes current);
//   - an unsorted overflow for events beyond the ring, redistributed every kBuckets / 2
//     buckets (or when the ring runs empty).
// The bucket index floor(t_ms / width) is monotone in t, so every event of an earlier bucket
// precedes every event of a later one in the key order, and within the current bucket the
// sort and the heap use the same strict total order (operator<): events come out in exactly
// the order of the former single heap. Only the current bucket's few thousand events are
// touched per pop, and far-future predictions sit untouched until their bucket comes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/event.hpp"

namespace ionspike {

class EventQueue {
 public:
  static constexpr double kBucketsPerMs = 10.0;  // bucket width 0.1 ms
  static constexpr std::uint64_t kBuckets = 4096;

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // The least pending event; the queue must not be empty.
  const Event& top() const {
    if (late_.empty()) return sorted_.back();
    if (sorted_.empty()) return late_.top();
    return late_.top() < sorted_.back() ? late_.top() : sorted_.back();
  }
  void reserve(std::size_t n) { sorted_.reserve(std::min<std::size_t>(n, 1u << 16)); }
  void clear() {
    sorted_.clear();
    late_.clear();
    for (auto& slot : ring_) slot.clear();
    overflow_.clear();
    spare_.clear();
    size_ = in_ring_ = 0;
    cur_ = epoch_ = 0;
    overflow_min_ = kMaxBucket;
  }

  void push(const Event& e) {
    const std::uint64_t b = bucket_of(e.t_ms);
    if (size_++ == 0) {  // empty: this event's bucket becomes the current one
      cur_ = epoch_ = b;
      sorted_.push_back(e);
      return;
    }
    if (b <= cur_) {
      late_.push(e);
    } else if (b < epoch_ + kBuckets) {
      if (ring_.empty()) ring_.resize(kBuckets);
      std::vector<Event>& slot = ring_[b % kBuckets];
      if (slot.capacity() == 0 && !spare_.empty()) {  // reuse a drained bucket's buffer
        slot = std::move(spare_.back());
        spare_.pop_back();
      }
      slot.push_back(e);
      ++in_ring_;
    } else {
      overflow_.push_back(e);
      overflow_min_ = std::min(overflow_min_, b);
    }
  }

  Event pop() {
    Event result;
    if (!late_.empty() && (sorted_.empty() || late_.top() < sorted_.back())) {
      result = late_.pop();
    } else {
      result = sorted_.back();
      sorted_.pop_back();
    }
    if (--size_ > 0 && sorted_.empty() && late_.empty()) advance();
    return result;
  }

  // All pending events, in no particular order; for checkpoints and tests.
  std::vector<Event> raw() const {
    std::vector<Event> all(sorted_.begin(), sorted_.end());
    all.insert(all.end(), late_.raw().begin(), late_.raw().end());
    for (const auto& slot : ring_) all.insert(all.end(), slot.begin(), slot.end());
    all.insert(all.end(), overflow_.begin(), overflow_.end());
    return all;
  }

 private:
  // 4-ary implicit heap (the former whole queue; now only for late pushes into the current bucket).
  class Heap {
   public:
    bool empty() const { return heap_.empty(); }
    const Event& top() const { return heap_.front(); }
    void clear() { heap_.clear(); }
    const std::vector<Event>& raw() const { return heap_; }
    void push(const Event& e) {
      std::size_t i = heap_.size();
      heap_.push_back(e);
      while (i > 0) {
        const std::size_t parent = (i - 1) / kArity;
        if (!(e < heap_[parent])) break;
        heap_[i] = heap_[parent];
        i = parent;
      }
      heap_[i] = e;
    }
    Event pop() {
      Event result = heap_.front();
      const Event last = heap_.back();
      heap_.pop_back();
      const std::size_t n = heap_.size();
      if (n == 0) return result;
      std::size_t i = 0;
      for (;;) {
        const std::size_t first = i * kArity + 1;
        if (first >= n) break;
        std::size_t best = first;
        const std::size_t end = first + kArity < n ? first + kArity : n;
        for (std::size_t c = first + 1; c < end; ++c)
          if (heap_[c] < heap_[best]) best = c;
        if (!(heap_[best] < last)) break;
        heap_[i] = heap_[best];
        i = best;
      }
      heap_[i] = last;
      return result;
    }

   private:
    static constexpr std::size_t kArity = 4;
    std::vector<Event> heap_;
  };

  // Far enough below 2^64 that epoch_ + kBuckets cannot wrap; times beyond ~4.6e17 ms (and
  // +inf) share the last bucket, which is still exact (the bucket is sorted by key).
  static constexpr std::uint64_t kMaxBucket = std::uint64_t{1} << 62;
  static std::uint64_t bucket_of(double t_ms) {
    const double x = t_ms * kBucketsPerMs;
    if (!(x > 0.0)) return 0;  // negative times (and NaN) share bucket 0: still monotone
    if (x >= static_cast<double>(kMaxBucket)) return kMaxBucket;
    return static_cast<std::uint64_t>(x);
  }

  // The current bucket and the late heap are empty, events remain: make the next non-empty
  // bucket current.
  void advance() {
    for (;;) {
      if (in_ring_ == 0) {  // nothing in the ring: jump to the earliest overflow bucket
        cur_ = epoch_ = overflow_min_;
        refill_from_overflow();
      } else {
        ++cur_;
        if (cur_ - epoch_ >= kBuckets / 2) {  // slide the ring's window forward
          epoch_ = cur_;
          if (overflow_min_ < epoch_ + kBuckets) refill_from_overflow();
        }
      }
      std::vector<Event>& slot = ring_[cur_ % kBuckets];
      if (!slot.empty()) {
        in_ring_ -= slot.size();
        sorted_.swap(slot);
        // The drained buffer (the former current bucket) goes to the spares or is freed: ring
        // slots hold buffers only while they hold events, so memory follows the pending events.
        slot.clear();
        if (spare_.size() < kSpareBuffers && slot.capacity() > 0) spare_.push_back(std::move(slot));
        slot = std::vector<Event>();
        std::sort(sorted_.begin(), sorted_.end(), [](const Event& x, const Event& y) { return y < x; });
        return;
      }
    }
  }

  // Moves the overflow events whose bucket lies in the ring's window [epoch_, epoch_ + kBuckets)
  // into the ring (cur_ == epoch_ here).
  void refill_from_overflow() {
    if (ring_.empty()) ring_.resize(kBuckets);
    std::uint64_t new_min = kMaxBucket;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < overflow_.size(); ++i) {
      const Event& e = overflow_[i];
      const std::uint64_t b = bucket_of(e.t_ms);
      if (b < epoch_ + kBuckets) {
        std::vector<Event>& slot = ring_[b % kBuckets];
        if (slot.capacity() == 0 && !spare_.empty()) {
          slot = std::move(spare_.back());
          spare_.pop_back();
        }
        slot.push_back(e);
        ++in_ring_;
      } else {
        new_min = std::min(new_min, b);
        overflow_[kept++] = e;
      }
    }
    overflow_.resize(kept);
    overflow_min_ = new_min;
  }

  std::vector<Event> sorted_;  // current bucket, descending key order (least at the back)
  Heap late_;                  // pushed into the current bucket (or earlier) after its sort
  std::vector<std::vector<Event>> ring_;  // bucket b in (cur_, epoch_ + kBuckets) at b % kBuckets
  std::vector<Event> overflow_;           // bucket >= epoch_ + kBuckets at its push
  static constexpr std::size_t kSpareBuffers = 64;
  std::vector<std::vector<Event>> spare_;  // emptied bucket buffers kept for reuse
  std::size_t size_ = 0;
  std::size_t in_ring_ = 0;
  std::uint64_t cur_ = 0;    // bucket index of sorted_
  std::uint64_t epoch_ = 0;  // start of the ring's window
  std::uint64_t overflow_min_ = kMaxBucket;
};

}  // namespace ionspike
