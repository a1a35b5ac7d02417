/* libFuzzer target: the native format's loader on arbitrary bytes, with
 * the checksum off (else almost every input stops there) and on. */
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int flags = LT_IO_NO_CRC; flags >= 0; flags -= LT_IO_NO_CRC) {
    lt_io_graph g;
    if (lt_native_load(data, size, flags, "fuzz", &g) == 0) {
      check_graph(&g);
      lt_io_graph_free(&g);
    }
  }
  return 0;
}
