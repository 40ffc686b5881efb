// Box<T>: optional semantics, heap storage, deep copies.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/box.h"

using revo::Box;

TEST_CASE("Box is empty by default and one pointer wide") {
    Box<std::vector<std::string>> b;
    CHECK_FALSE(b);
    CHECK_FALSE(b.has_value());
    CHECK(sizeof(b) == sizeof(void*));
}

TEST_CASE("Box takes a value or an optional and empties on an empty optional") {
    Box<std::string> b;
    b = std::string("ocsp.pki.example");
    REQUIRE(b);
    CHECK(*b == "ocsp.pki.example");
    CHECK(b->size() == 16);
    b = std::optional<std::string>();
    CHECK_FALSE(b);
    std::optional<std::string> o = "crl.pki.example";
    b = std::move(o);
    REQUIRE(b);
    CHECK(*b == "crl.pki.example");
    b.reset();
    CHECK_FALSE(b);
    b.emplace(3, 'x');
    CHECK(*b == "xxx");
}

TEST_CASE("copying a Box copies its value; moving leaves the source empty") {
    Box<std::string> a;
    a = std::string("first");
    Box<std::string> c = a;
    REQUIRE(c);
    *c = "changed";
    CHECK(*a == "first");  // deep, not shared
    Box<std::string> empty;
    c = empty;
    CHECK_FALSE(c);
    Box<std::string> m = std::move(a);
    CHECK(*m == "first");
    CHECK_FALSE(a);  // NOLINT(bugprone-use-after-move): a moved-from Box is empty by contract
}
