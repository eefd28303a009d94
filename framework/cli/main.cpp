#include <cstdio>
int main() { std::puts("bootfw"); return 0; }
