#include "util/threads.h"

int main() { return longconv::init_threads() > 0 ? 0 : 1; }
