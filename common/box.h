// Box<T>: an optional value kept on the heap. It reads like std::optional (test, ->, *, assignment from
// an optional or a value, copies deep) but costs one pointer when empty, for large parts of a record that
// most records lack (the OCSP messages of a check that never carried HTTP, for instance).
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace revo {

template <class T>
class Box {
public:
    Box() = default;
    Box(const Box& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
    Box(Box&&) noexcept = default;
    Box& operator=(const Box& o) {
        if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
        return *this;
    }
    Box& operator=(Box&&) noexcept = default;
    ~Box() = default;

    Box& operator=(const T& v) {
        p_ = std::make_unique<T>(v);
        return *this;
    }
    Box& operator=(T&& v) {
        p_ = std::make_unique<T>(std::move(v));
        return *this;
    }
    Box& operator=(std::optional<T>&& v) {
        if (v) p_ = std::make_unique<T>(std::move(*v));
        else p_.reset();
        return *this;
    }
    Box& operator=(const std::optional<T>& v) {
        if (v) p_ = std::make_unique<T>(*v);
        else p_.reset();
        return *this;
    }

    explicit operator bool() const { return static_cast<bool>(p_); }
    bool has_value() const { return static_cast<bool>(p_); }
    T* operator->() { return p_.get(); }
    const T* operator->() const { return p_.get(); }
    T& operator*() { return *p_; }
    const T& operator*() const { return *p_; }
    template <class... A>
    T& emplace(A&&... a) {
        p_ = std::make_unique<T>(std::forward<A>(a)...);
        return *p_;
    }
    void reset() { p_.reset(); }

private:
    std::unique_ptr<T> p_;
};

}  // namespace revo
