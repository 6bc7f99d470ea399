/* synth_int.h - private pieces shared by src/data/synth_*.c */
#ifndef STEPLM_SYNTH_INT_H
#define STEPLM_SYNTH_INT_H

#include <lua.h>
#include "steplm/synth.h"

/* A fresh Lua state holding the family runtime (_S) and the family table (_F);
 * NULL with err filled on failure. Caller closes it. */
lua_State *synth_family_state(const synth_family *f, sl_err *err);

#endif
