// A minimal read-only view (C++17 has no std::span).
#pragma once
#include <cstddef>

namespace hearth {

template <typename T>
struct Span {
    const T* data = nullptr;
    size_t size = 0;

    Span() = default;
    Span(const T* d, size_t n) : data(d), size(n) {}
    const T& operator[](size_t i) const { return data[i]; }
    const T* begin() const { return data; }
    const T* end() const { return data + size; }
    bool empty() const { return size == 0; }
};

}  // namespace hearth
