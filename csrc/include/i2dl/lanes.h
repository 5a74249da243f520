// One 64-byte vector of T (16 float or 8 double) in GCC's vector extension: the accumulator type
// of the hand-vectorised loops. GCC keeps such a value in a register in every per-ISA clone (an
// array of scalar accumulators got scalarised); on AVX2 it is a pair of registers.
#pragma once

namespace i2dl {

typedef float float_lanes __attribute__((vector_size(64)));
typedef double double_lanes __attribute__((vector_size(64)));
template <typename T> struct Lanes;
template <> struct Lanes<float> { typedef float_lanes type; };
template <> struct Lanes<double> { typedef double_lanes type; };

// The number of T in one such vector (16 float, 8 double): the one spelling of the lane count.
template <typename T>
constexpr long lanes() {
  return sizeof(typename Lanes<T>::type) / sizeof(T);
}

}  // namespace i2dl
