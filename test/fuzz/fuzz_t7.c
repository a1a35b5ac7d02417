/* libFuzzer target: the Torch7 .t7 loader on arbitrary bytes, read both as
 * the binary and as the ascii format. */
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const lt_io_format fmts[] = {LT_IO_T7_BINARY, LT_IO_T7_ASCII};
  for (int i = 0; i < 2; i++) {
    lt_io_graph g;
    if (lt_t7_load(data, size, fmts[i], "fuzz", &g) == 0) {
      check_graph(&g);
      lt_io_graph_free(&g);
    }
  }
  return 0;
}
