/* steplm/sandbox.h - run untrusted Lua code (CAD programs written by a language
 * model) with no access to the machine and with hard limits.
 *
 * What a program can use: the base library without dofile/loadfile/require and with
 * load() restricted to text chunks; string (without string.dump), table, math, utf8.
 * No io, os, package, debug, coroutine. print() writes into a captured buffer.
 * Limits: an instruction budget and a wall-clock limit (checked every 1000 VM
 * instructions by a count hook), a memory cap (a counting allocator that refuses
 * allocations past it), and Lua's own C-stack and stack-depth limits for recursion.
 * Every failure comes back as an sl_err whose message starts with
 * "NAME:LINE: " when the failure has a line in the program.
 *
 * Host APIs (the CAD API) are installed by a callback before the program runs. */
#ifndef STEPLM_SANDBOX_H
#define STEPLM_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include "steplm/util.h"

typedef struct lua_State lua_State;

typedef struct sandbox_limits {
    uint64_t max_instructions;   /* default 200 million */
    size_t max_memory_bytes;     /* default 256 MiB */
    double max_seconds;          /* default 10 s wall clock */
    size_t max_output_bytes;     /* print() capture, default 64 KiB (rest dropped) */
} sandbox_limits;

void sandbox_limits_default(sandbox_limits *l);

typedef struct sandbox_result {
    uint64_t instructions;       /* approximate (counted in steps of 1000) */
    size_t peak_memory_bytes;
    double seconds;
    sl_buf output;               /* what print() wrote; caller releases */
} sandbox_result;

/* Host hooks (e.g. the CAD API). setup installs functions into the fresh state
 * before the program runs; finish runs after the program succeeded, in the same
 * state and under the same limits (to collect what the program made). Each
 * returns 0, or -1 with a message in err. Either may be NULL. */
typedef struct sandbox_host {
    int (*setup)(lua_State *L, void *ctx, sl_err *err);
    int (*finish)(lua_State *L, void *ctx, sl_err *err);
    void *ctx;
} sandbox_host;

/* Run the program text. name is used in messages ("part.lua"). host may be NULL.
 * On success SL_OK; otherwise SL_ERR_SYNTAX (does not compile), SL_ERR_LIMIT
 * (instruction, time or memory limit), SL_ERR_INVALID (runtime error, including
 * errors raised by host functions), SL_ERR_NOMEM. res may be NULL. */
sl_status sandbox_run(const char *name, const char *src, size_t n, const sandbox_limits *lim,
                      const sandbox_host *host, sandbox_result *res, sl_err *err);

#endif
