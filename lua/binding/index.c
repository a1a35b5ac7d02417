/* Bindings of the index functions (being written). */
#include "binding.h"

void lb_open_index(lua_State *L) { (void)L; }
