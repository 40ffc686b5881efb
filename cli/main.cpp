#include <cstdio>

int main() {
    std::puts("revoscope " REVO_VERSION);
    return 0;
}
