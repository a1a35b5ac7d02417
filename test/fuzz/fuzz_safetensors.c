/* libFuzzer target: the safetensors loader on arbitrary bytes. */
#include <string.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lt_st_file f;
  if (lt_st_load(data, size, "fuzz", &f) != 0) return 0;
  for (size_t i = 0; i < f.n; i++) {
    if (!f.tensors[i] || !f.names[i]) abort();
    touch_tensor(f.tensors[i]);
  }
  for (size_t i = 0; i < f.nmeta; i++) fuzz_sink ^= (uint8_t)strlen(f.meta_keys[i]) ^ (uint8_t)strlen(f.meta_values[i]);
  lt_st_free(&f);
  return 0;
}
