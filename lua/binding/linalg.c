/* Bindings of the linalg functions (being written). */
#include "binding.h"

void lb_open_linalg(lua_State *L) { (void)L; }
