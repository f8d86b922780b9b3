// libFuzzer's entry for programs that bring their own main (https://llvm.org/docs/LibFuzzer.html):
// SwiftPM names an executable's entry point after its module, so each harness's entry point
// hands its argument vector and test function to the fuzzer here.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));

/// What each harness's entry point does: run libFuzzer on `test` with the program's arguments.
static inline int fuzz_main(int argc, char **argv, int (*test)(const uint8_t *data, size_t size)) {
    return LLVMFuzzerRunDriver(&argc, &argv, test);
}
