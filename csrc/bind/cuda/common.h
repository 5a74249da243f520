// What the CUDA binding families share: device pointers and streams as integers, the geometry as the
// bound structs of bind_shapes.cpp, a dtype by name, launch checks.
// Arrays are validated by i2dl.kernels.cuda (the shared contract) before they get here.
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>

#include "../family.h"
#include "i2dl/conv2d.h"
#include "i2dl/pool2d.h"

namespace i2dl::bind::cuda {
namespace py = pybind11;
using u = std::uintptr_t;
using i2dl::index_t;


inline void check(const std::string& status) {
  if (!status.empty()) throw std::runtime_error("CUDA kernel launch failed: " + status);
}

template <typename T>
T* dev(std::uintptr_t p) { return reinterpret_cast<T*>(p); }
inline void* stream_of(std::uintptr_t s) { return reinterpret_cast<void*>(s); }

// Calls f(T{}) for dtype "float32" or "float64".
template <typename F>
void with_dtype(const std::string& dtype, F&& f) {
  if (dtype == "float32") f(float{});
  else if (dtype == "float64") f(double{});
  else throw py::type_error("dtype must be float32 or float64, got " + dtype);
}


}  // namespace i2dl::bind::cuda
