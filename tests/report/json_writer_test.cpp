// JsonWriter: its strings, numbers and layout are what a JSON library with sorted keys writes, so JSON
// lines output keeps one canonical form; checked against nlohmann::json, value by value and over the JSON
// lines of every bundled sample.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "report/json_writer.h"
#include "tests/test_support.h"

using namespace revo;
using namespace revo::test;
using nlohmann::json;

namespace {

std::string library_form(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string writer_string(std::string_view s) {
    std::string out;
    report::JsonWriter::append_escaped(out, s);
    return out;
}

}  // namespace

TEST_CASE("JSON writer: strings are escaped as the library escapes them") {
    // Every single byte, alone and inside text.
    for (int c = 0; c < 256; ++c) {
        const std::string one(1, static_cast<char>(c));
        INFO("byte " << c);
        CHECK(writer_string(one) == library_form(json(one)));
        const std::string mid = "a" + one + "\"b\\";
        CHECK(writer_string(mid) == library_form(json(mid)));
    }
    // Valid UTF-8 stays as it is; broken sequences become U+FFFD.
    for (std::string s : {std::string("caf\xc3\xa9"), std::string("\xe2\x82\xac 5"), std::string("\xf0\x9f\x94\x92"),
                          std::string("bad \xc3"), std::string("\xff\xfe"), std::string("\xe2\x82 x"), std::string()}) {
        INFO(s);
        CHECK(writer_string(s) == library_form(json(s)));
    }
    CHECK(writer_string("x\x7f\x01\n") == "\"x\x7f\\u0001\\n\"");
    // Random byte strings, mostly ASCII with some high bytes, as hostile captures produce them.
    std::mt19937 rng(20261126);
    for (int i = 0; i < 5000; ++i) {
        std::string s(rng() % 40, '\0');
        for (auto& ch : s) ch = static_cast<char>(rng() % 4 ? rng() % 128 : rng() % 256);
        INFO("case " << i);
        REQUIRE(writer_string(s) == library_form(json(s)));
    }
}

TEST_CASE("JSON writer: numbers, literals, optionals, arrays and nesting") {
    std::string out;
    report::JsonWriter w(out);
    w.begin_object();
    w.key("a").value(std::uint64_t{18446744073709551615u});
    w.key("b").value(-42);
    w.key("c").value(std::uint8_t{7});
    w.key("d").value(true);
    w.key("e").null();
    w.key("f").value(std::optional<std::string>{});
    w.key("g").value(std::optional<std::string>{"x"});
    w.key("h").value(std::vector<std::string>{"p", "q"});
    w.key("i").begin_array();
    w.begin_object();
    w.end_object();
    w.begin_array();
    w.end_array();
    w.value(1);
    w.end_array();
    w.key("j").string_or_null("");
    w.end_object();
    CHECK(out == R"({"a":18446744073709551615,"b":-42,"c":7,"d":true,"e":null,"f":null,"g":"x","h":["p","q"],)"
                 R"("i":[{},[],1],"j":null})");
    CHECK(library_form(json::parse(out)) == out);

    for (double d : {0.0, 5.0, 12.5, 0.001, 1e-5, 1e20, 123456.789, -0.25, 1.0 / 3, 86400000.0}) {
        std::string o;
        report::JsonWriter(o).value(d);
        INFO(d);
        CHECK(o == library_form(json(d)));
        CHECK(json::parse(o).get<double>() == d);
    }
    std::string nan, inf;
    report::JsonWriter(nan).value(std::numeric_limits<double>::quiet_NaN());
    report::JsonWriter(inf).value(std::numeric_limits<double>::infinity());
    CHECK(nan == "null");
    CHECK(inf == "null");
}

TEST_CASE("JSON writer: value_or_null writes the value when present and null without calling it when absent") {
    std::string out;
    report::JsonWriter w(out);
    int calls = 0;
    const std::string alpn = "h2";
    const std::optional<std::uint64_t> none;
    w.begin_object();
    w.key("a").value_or_null(true, [&]() -> const std::string& {
        ++calls;
        return alpn;
    });
    w.key("b").value_or_null(false, [&]() -> const std::string& {
        ++calls;
        return alpn;
    });
    w.key("c").value_or_null(none.has_value(), [&] {
        ++calls;
        return *none;  // would be undefined if called
    });
    w.key("d").value_or_null(true, [&] {
        ++calls;
        return 12.5;
    });
    w.key("e").value_or_null(true, [&] { return std::uint64_t{7}; });
    w.end_object();
    CHECK(out == R"({"a":"h2","b":null,"c":null,"d":12.5,"e":7})");
    CHECK(calls == 2);  // only the present ones

    // Absent on its own: nothing but null, and the callable never runs.
    std::string alone;
    int alone_calls = 0;
    report::JsonWriter(alone).value_or_null(false, [&] { return ++alone_calls; });
    CHECK(alone == "null");
    CHECK(alone_calls == 0);
}

TEST_CASE("JSON lines of every sample are in canonical form: sorted keys, library number and string form") {
    std::size_t files = 0, lines = 0;
    for (auto& e : std::filesystem::directory_iterator(source_path("samples"))) {
        const auto name = e.path().filename().string();
        if (name.find(".pcap") == std::string::npos) continue;
        auto r = run_revoscope("analyze --format jsonl --quiet " + shell_quote(e.path().string()));
        INFO(name);
        REQUIRE(r.exit_code <= 1);
        ++files;
        for (auto& l : split_lines(r.out)) {
            ++lines;
            json j = json::parse(l);  // throws (fails) on anything that is not one JSON object
            REQUIRE(j.is_object());
            REQUIRE(library_form(j) == l);
        }
    }
    CHECK(files >= 40);
    CHECK(lines >= 500);
}
