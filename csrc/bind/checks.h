// Argument validation for the bindings: every array is checked before a pointer is taken, and a
// wrong one raises TypeError/ValueError naming the kernel, the argument, the expected and the
// actual value. Arrays are never silently converted or copied.
#pragma once
#include <optional>
#include <initializer_list>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "i2dl/threads.h"

namespace i2dl::bind {
namespace py = pybind11;

// Around every kernel's compute: the GIL released (other Python threads run meanwhile) and
// i2dl's process-wide thread count in force for the OpenMP regions of this call.
struct ComputeScope {
  py::gil_scoped_release nogil;
  ThreadScope threads;
};

// Shapes and pairs are formatted with std::to_string, not iostreams: an ostringstream
// crashed inside the module where the compiler's libstdc++ headers and the libstdc++ loaded at
// run time came from different GCC releases (seen with a /opt GCC 13 next to the system's).
inline std::string join_ints(const int64_t* v, size_t n) {
  std::string s = "(";
  for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (n == 1 ? ",)" : ")");
}

inline std::string shape_str(const std::vector<py::ssize_t>& s) {
  std::vector<int64_t> v(s.begin(), s.end());
  return join_ints(v.data(), v.size());
}

inline std::string shape_str(const py::array& a) {
  return shape_str(std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim()));
}

inline std::string dtype_str(const py::dtype& d) { return py::str(d).cast<std::string>(); }

// The argument must be a numpy.ndarray (a CuPy array or a list is a TypeError here).
inline py::array require_ndarray(py::handle obj, const char* fn, const char* name) {
  if (!py::isinstance<py::array>(obj)) {
    throw py::type_error(std::string(fn) + ": argument '" + name + "' must be a numpy.ndarray, got " +
                         py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
  }
  return py::reinterpret_borrow<py::array>(obj);
}

// Checks a float array: dtype (float32/float64, or equal to `like`), rank, C-contiguity, writability.
inline py::array require_float(py::handle obj, const char* fn, const char* name, py::ssize_t ndim,
                               const py::array* like = nullptr, const char* like_name = nullptr,
                               bool writable = false) {
  py::array a = require_ndarray(obj, fn, name);
  const py::dtype f32 = py::dtype::of<float>(), f64 = py::dtype::of<double>();
  if (like) {
    if (!a.dtype().equal(like->dtype()))
      throw py::type_error(std::string(fn) + ": argument '" + name + "' must have dtype " +
                           dtype_str(like->dtype()) + " (the dtype of '" + like_name + "'), got " +
                           dtype_str(a.dtype()));
  } else if (!a.dtype().equal(f32) && !a.dtype().equal(f64)) {
    throw py::type_error(std::string(fn) + ": argument '" + name + "' must have dtype float32 or float64, got " +
                         dtype_str(a.dtype()));
  }
  if (ndim >= 0 && a.ndim() != ndim)
    throw py::value_error(std::string(fn) + ": argument '" + name + "' must be " + std::to_string(ndim) +
                          "-D, got " + std::to_string(a.ndim()) + "-D with shape " + shape_str(a));
  if (!(a.flags() & py::array::c_style))
    throw py::value_error(std::string(fn) + ": argument '" + name +
                          "' must be C-contiguous (use numpy.ascontiguousarray), got a strided view of shape " +
                          shape_str(a));
  if (writable && !a.writeable())
    throw py::value_error(std::string(fn) + ": output argument '" + name + "' must be writable, got a read-only array");
  return a;
}

inline void require_shape(const py::array& a, const char* fn, const char* name,
                          const std::vector<py::ssize_t>& expected) {
  bool ok = a.ndim() == static_cast<py::ssize_t>(expected.size());
  for (size_t i = 0; ok && i < expected.size(); ++i) ok = a.shape(i) == expected[i];
  if (!ok)
    throw py::value_error(std::string(fn) + ": argument '" + name + "' must have shape " + shape_str(expected) +
                          ", got " + shape_str(a));
}

inline void require_index_array(const py::array& a, const char* fn, const char* name, bool writable) {
  if (!a.dtype().equal(py::dtype::of<std::int64_t>()))
    throw py::type_error(std::string(fn) + ": argument '" + name + "' must have dtype int64, got " + dtype_str(a.dtype()));
  if (!(a.flags() & py::array::c_style))
    throw py::value_error(std::string(fn) + ": argument '" + name + "' must be C-contiguous, got a strided view of shape " + shape_str(a));
  if (writable && !a.writeable())
    throw py::value_error(std::string(fn) + ": output argument '" + name + "' must be writable, got a read-only array");
}

// A (height, width) pair of positive (or non-negative) integers.
inline std::pair<int64_t, int64_t> require_pair(const std::vector<int64_t>& v, const char* fn, const char* name,
                                                int64_t minimum) {
  if (v.size() != 2 || v[0] < minimum || v[1] < minimum) {
    std::string got = join_ints(v.data(), v.size());
    if (v.size() == 1) got = "(" + std::to_string(v[0]) + ")";  // a pair, not a tuple: no trailing comma
    throw py::value_error(std::string(fn) + ": argument '" + name + "' must be a pair of integers >= " +
                          std::to_string(minimum) + ", got " + got);
  }
  return {v[0], v[1]};
}

// The largest element count a padded input, an output or a column matrix may have: the C++
// kernels index with int64 and multiply sizes by small factors, so sizes stay below 2^62.
constexpr int64_t kMaxElements = int64_t(1) << 62;

// N * C * (H + 2 PH) * (W + 2 PW) <= kMaxElements, computed without overflow (an empty batch
// counts as one image, so that a huge padding is refused whatever the batch).
inline void require_padded_fits(const char* fn, int64_t N, int64_t C, int64_t H, int64_t W, int64_t PH, int64_t PW) {
  int64_t hp, wp, v;
  const bool over = __builtin_mul_overflow(PH, 2, &hp) || __builtin_add_overflow(hp, H, &hp) ||
                    __builtin_mul_overflow(PW, 2, &wp) || __builtin_add_overflow(wp, W, &wp) ||
                    __builtin_mul_overflow(std::max<int64_t>(N, 1), std::max<int64_t>(C, 1), &v) ||
                    __builtin_mul_overflow(v, hp, &v) || __builtin_mul_overflow(v, wp, &v) || v > kMaxElements;
  if (over)
    throw py::value_error(std::string(fn) + ": argument 'padding' (" + std::to_string(PH) + ", " + std::to_string(PW) +
                          ") is too large: the padded input would hold more than 2**62 elements");
}

// The array holds exactly `count` elements: the shared contract (i2dl/kernels/checks) checked its
// shape; this guards the pointer arithmetic against the geometry the kernel is handed.
inline void require_count(const py::array& a, const char* fn, const char* name, int64_t count) {
  if (a.size() != count)
    throw py::value_error(std::string(fn) + ": argument '" + name + "' must hold " + std::to_string(count) +
                          " elements, got shape " + shape_str(a));
}

// A float array of exactly `count` elements (dtype as `like` when given, C-contiguous, writable
// when an output): the check of every array a generated adapter hands a binding.
inline py::array require_float_count(py::handle obj, const char* fn, const char* name, int64_t count,
                                     const py::array* like = nullptr, const char* like_name = nullptr,
                                     bool writable = false) {
  py::array a = require_float(obj, fn, name, -1, like, like_name, writable);
  require_count(a, fn, name, count);
  return a;
}

template <typename T>
T* mut_ptr(py::array& a) { return static_cast<T*>(a.mutable_data()); }
template <typename T>
const T* ptr(const py::array& a) { return static_cast<const T*>(a.data()); }

// The element count a * b * c, or a ValueError naming `what` when it overflows or exceeds 2^62.
inline int64_t count_of(const char* fn, const char* what, std::initializer_list<int64_t> sizes) {
  int64_t n = 1;
  for (int64_t v : sizes) {
    if (v < 0) throw py::value_error(std::string(fn) + ": size '" + what + "' must be non-negative, got " + std::to_string(v));
    if (__builtin_mul_overflow(n, v, &n) || n > kMaxElements)
      throw py::value_error(std::string(fn) + ": sizes '" + what + "' hold more than 2**62 elements");
  }
  return n;
}

// The arrays of one call, each checked against its element count and x's dtype; None gives nullopt.
struct Arrays {
  const char* fn;
  py::array x;
  std::optional<py::array> get(py::handle h, const char* name, int64_t count, bool writable = false) const {
    if (h.is_none()) return std::nullopt;
    return require_float_count(h, fn, name, count, &x, "x", writable);
  }
};

template <typename T>
const T* cptr(const std::optional<py::array>& a) { return a ? ptr<T>(*a) : nullptr; }
template <typename T>
T* mptr(std::optional<py::array>& a) { return a ? mut_ptr<T>(*a) : nullptr; }

inline bool is_f32(const py::array& a) { return a.dtype().equal(py::dtype::of<float>()); }

}  // namespace i2dl::bind

namespace i2dl::bind {
// Calls f(T{}) with T = float or double, the dtype of `a` (already checked to be one of them).
template <typename F>
void with_float_type(const py::array& a, F&& f) {
  if (is_f32(a)) f(float{});
  else f(double{});
}
}  // namespace i2dl::bind
