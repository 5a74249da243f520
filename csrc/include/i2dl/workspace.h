// Scratch memory reused across kernel calls on the same thread. The column matrices of the
// convolution are megabytes; a fresh allocation that large is mmap'ed by malloc and every one of
// its pages faults on first touch, on every call (measured: a third of a small conv's time).
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>

#include "i2dl/common.h"

namespace i2dl {

// kFilters: filters in another form for one call (Winograd's transformed U), next to the others.
enum class Slot : int { kColumns = 0, kColumnGrad = 1, kGemmOut = 2, kWeights = 3, kFilters = 4 };
constexpr int kWorkspaceSlots = 5;

// A buffer of at least `count` elements of T for `slot`, valid until the next call for the same
// slot on this thread. Contents are unspecified. Memory is kept per thread until it exits.
void* workspace_bytes(Slot slot, std::size_t bytes);

// Throws std::bad_alloc when the memory is not there or `count` elements of T cannot be addressed.
template <typename T>
T* workspace(Slot slot, index_t count) {
  if (static_cast<std::size_t>(count) > (SIZE_MAX - 64) / sizeof(T)) throw std::bad_alloc();
  return static_cast<T*>(workspace_bytes(slot, sizeof(T) * static_cast<std::size_t>(count > 0 ? count : 1)));
}

}  // namespace i2dl
