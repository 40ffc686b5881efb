// JsonWriter's string escaping and number form.
#include "report/json_writer.h"

#include <nlohmann/json.hpp>

namespace revo::report {

namespace {

/// Text with bytes above 0x7f: UTF-8 validation and U+FFFD replacement are left to the JSON library, so
/// such strings come out exactly as a library-serialised line would have them.
void append_library_escaped(std::string& out, std::string_view s) {
    out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void JsonWriter::append_escaped(std::string& out, std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) {
            append_library_escaped(out, s);
            return;
        }
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
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
