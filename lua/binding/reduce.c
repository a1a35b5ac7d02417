/* Bindings of the reduce functions (being written). */
#include "binding.h"

void lb_open_reduce(lua_State *L) { (void)L; }
