/* Bindings of the data set readers. */
#include "binding.h"

/* readIDX(path) -> tensor */
static int l_read_idx(lua_State *L) {
  return lb_push_tensor(L, lt_read_idx(luaL_checkstring(L, 1)));
}

void lb_open_data(lua_State *L) {
  lua_getfield(L, -1, "fn");
  lua_pushcfunction(L, l_read_idx);
  lua_setfield(L, -2, "readIDX");
  lua_pop(L, 1);
}
