// JsonWriter's string escaping and number form.
#include "report/json_writer.h"

#include <array>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace revo::report {

namespace {

/// Text with bytes above 0x7f: UTF-8 validation and U+FFFD replacement are left to the JSON library, so
/// such strings come out exactly as a library-serialised line would have them.
void append_library_escaped(std::string& out, std::string_view s) {
    out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Per byte: 0 copied as it is, 1 escaped here, 2 above 0x7f (handled by the library).
constexpr std::array<std::uint8_t, 256> kByteClass = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = 1;
    t['"'] = t['\\'] = 1;
    for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
    return t;
}();

}  // namespace

void JsonWriter::append_escaped(std::string& out, std::string_view s) {
    // One pass finds the first byte that is not copied verbatim; most strings have none.
    std::size_t first = 0;
    while (first < s.size() && kByteClass[static_cast<unsigned char>(s[first])] == 0) ++first;
    if (first == s.size()) {
        out += '"';
        out.append(s.data(), s.size());
        out += '"';
        return;
    }
    for (std::size_t i = first; i < s.size(); ++i)
        if (kByteClass[static_cast<unsigned char>(s[i])] == 2) {
            append_library_escaped(out, s);
            return;
        }
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    out.append(s.data(), first);
    std::size_t run = first;  // start of the bytes not yet copied
    for (std::size_t i = first; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (kByteClass[c] == 0) continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xf];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

void JsonWriter::value(double d) {
    comma();
    // The library's shortest round-trip form ("12.5", "3.0", "1e-05"), and null for NaN and infinities.
    out_ += nlohmann::json(d).dump();
    need_comma_ = true;
}

}  // namespace revo::report
