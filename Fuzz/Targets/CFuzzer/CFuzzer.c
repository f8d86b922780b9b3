// The declarations of CFuzzer.h are libFuzzer's (linked by -sanitize=fuzzer); nothing to define.
#include "CFuzzer.h"
