// Self-registering binding families: a bind_<family>.cpp writes
//
//   I2DL_BIND_FAMILY(conv) { m.def("conv2d_forward", ...); }
//
// and module.cpp, which knows no family by name, runs every registered one when _C is imported.
// Adding a family is adding its file (CMake globs csrc/bind/bind_*.cpp).
#pragma once
#include <pybind11/pybind11.h>

#include <utility>
#include <vector>

namespace i2dl::bind {

using Binder = void (*)(pybind11::module_&);

// Every family's binder, by name (filled before the module's init runs: static initialisers of the
// same shared object run when it is loaded).
inline std::vector<std::pair<const char*, Binder>>& binders() {
  static std::vector<std::pair<const char*, Binder>> all;
  return all;
}

struct RegisterFamily {
  RegisterFamily(const char* name, Binder f) { binders().emplace_back(name, f); }
};

}  // namespace i2dl::bind

#define I2DL_BIND_FAMILY(name)                                                              \
  static void bind_family_##name(pybind11::module_& m);                                     \
  static const ::i2dl::bind::RegisterFamily registered_family_##name(#name, &bind_family_##name); \
  static void bind_family_##name(pybind11::module_& m)
