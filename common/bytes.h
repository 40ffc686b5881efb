// Byte views and a bounds-checked reader for wire formats.
//
// Every read returns std::optional or bool; nothing here throws or reads past
// the end of the view it was given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace revo {

using ByteView = std::span<const std::uint8_t>;

/// Cursor over a ByteView with network-order integer reads.
class ByteReader {
public:
    ByteReader() = default;
    explicit ByteReader(ByteView v) : data_(v) {}

    std::size_t remaining() const { return data_.size() - pos_; }
    std::size_t position() const { return pos_; }
    bool empty() const { return remaining() == 0; }
    ByteView rest() const { return data_.subspan(pos_); }
    ByteView whole() const { return data_; }

    std::optional<std::uint8_t> u8() {
        if (remaining() < 1) return std::nullopt;
        return data_[pos_++];
    }
    std::optional<std::uint16_t> u16() {
        if (remaining() < 2) return std::nullopt;
        std::uint16_t v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
        pos_ += 2;
        return v;
    }
    std::optional<std::uint32_t> u24() {
        if (remaining() < 3) return std::nullopt;
        std::uint32_t v = (std::uint32_t(data_[pos_]) << 16) | (std::uint32_t(data_[pos_ + 1]) << 8) |
                          data_[pos_ + 2];
        pos_ += 3;
        return v;
    }
    std::optional<std::uint32_t> u32() {
        if (remaining() < 4) return std::nullopt;
        std::uint32_t v = (std::uint32_t(data_[pos_]) << 24) | (std::uint32_t(data_[pos_ + 1]) << 16) |
                          (std::uint32_t(data_[pos_ + 2]) << 8) | data_[pos_ + 3];
        pos_ += 4;
        return v;
    }
    std::optional<ByteView> bytes(std::size_t n) {
        if (remaining() < n) return std::nullopt;
        ByteView v = data_.subspan(pos_, n);
        pos_ += n;
        return v;
    }
    bool skip(std::size_t n) {
        if (remaining() < n) return false;
        pos_ += n;
        return true;
    }
    /// Reads a length prefix of 1, 2 or 3 bytes and returns a reader over that many bytes.
    std::optional<ByteReader> prefixed8() { return prefixed(u8()); }
    std::optional<ByteReader> prefixed16() { return prefixed(u16()); }
    std::optional<ByteReader> prefixed24() { return prefixed(u24()); }

private:
    template <class T>
    std::optional<ByteReader> prefixed(std::optional<T> len) {
        if (!len) return std::nullopt;
        auto b = bytes(*len);
        if (!b) return std::nullopt;
        return ByteReader(*b);
    }
    ByteView data_{};
    std::size_t pos_ = 0;
};

inline ByteView as_bytes(std::string_view s) {
    return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}
inline std::string_view as_chars(ByteView v) {
    return std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
}

/// Lower-case hex of the bytes, optionally separated (e.g. ':').
std::string to_hex(ByteView v, char sep = 0);

}  // namespace revo
