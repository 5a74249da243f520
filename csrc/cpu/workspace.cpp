#include "i2dl/workspace.h"

#include <cstdlib>
#include <new>

namespace i2dl {

namespace {
struct Workspace {
  void* data[kWorkspaceSlots] = {};
  std::size_t size[kWorkspaceSlots] = {};
  ~Workspace() {
    for (void* p : data) std::free(p);
  }
};
thread_local Workspace tls;
}  // namespace

void* workspace_bytes(Slot slot, std::size_t bytes) {
  const int i = static_cast<int>(slot);
  if (tls.size[i] < bytes) {
    std::free(tls.data[i]);
    tls.data[i] = nullptr;
    tls.size[i] = 0;
    const std::size_t rounded = (bytes + 63) / 64 * 64;  // aligned_alloc wants a multiple of the alignment
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();
    tls.data[i] = p;
    tls.size[i] = rounded;
  }
  return tls.data[i];
}

}  // namespace i2dl
