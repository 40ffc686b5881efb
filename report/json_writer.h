// A JSON writer that appends straight to a string: no tree, no per-value allocation. The records it writes
// are the JSON lines output, so it follows one fixed form: no spaces, keys in the order the caller gives
// them (callers give them sorted, so a line re-serialised by a JSON library with sorted keys is
// byte-identical), non-ASCII text as UTF-8 with invalid sequences replaced by U+FFFD, doubles in their
// shortest round-trip form with ".0" on integral values, non-finite doubles as null.
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace revo::report {

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    void begin_object() {
        comma();
        out_ += '{';
        need_comma_ = false;
    }
    void end_object() {
        out_ += '}';
        need_comma_ = true;
    }
    void begin_array() {
        comma();
        out_ += '[';
        need_comma_ = false;
    }
    void end_array() {
        out_ += ']';
        need_comma_ = true;
    }
    /// Starts a member; the next value (or container) is its value.
    JsonWriter& key(std::string_view k) {
        comma();
        escaped(k);
        out_ += ':';
        need_comma_ = false;
        return *this;
    }

    void null() {
        comma();
        out_ += "null";
        need_comma_ = true;
    }
    void value(bool b) {
        comma();
        out_ += b ? "true" : "false";
        need_comma_ = true;
    }
    template <std::integral T>
        requires(!std::same_as<T, bool> && !std::same_as<T, char>)
    void value(T n) {
        comma();
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, n);
        out_.append(buf, r.ptr);
        need_comma_ = true;
    }
    void value(double d);
    void value(std::string_view s) {
        comma();
        escaped(s);
        need_comma_ = true;
    }
    void value(const std::string& s) { value(std::string_view(s)); }
    void value(const char* s) { value(std::string_view(s)); }
    template <class T>
    void value(const std::optional<T>& v) {
        if (v)
            value(*v);
        else
            null();
    }
    template <class T>
    void value(const std::vector<T>& items) {
        begin_array();
        for (const auto& x : items) value(x);
        end_array();
    }
    /// A string, or null when it is empty.
    void string_or_null(std::string_view s) {
        if (s.empty())
            null();
        else
            value(s);
    }
    /// The value `make()` returns when `present`, else null; `make` is only called when present, so it may
    /// dereference what `present` checks. Return a `const std::string&` from it to write a string uncopied.
    template <class F>
    void value_or_null(bool present, F&& make) {
        if (present)
            value(std::forward<F>(make)());
        else
            null();
    }

    /// Appends `s` as a JSON string literal (quotes included) in the writer's form.
    static void append_escaped(std::string& out, std::string_view s);

private:
    void comma() {
        if (need_comma_) out_ += ',';
    }
    void escaped(std::string_view s) { append_escaped(out_, s); }

    std::string& out_;
    bool need_comma_ = false;
};

}  // namespace revo::report
