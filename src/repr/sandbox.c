/* sandbox.c - a Lua 5.4 state for untrusted programs: safe libraries only, a
 * counting allocator with a cap, an instruction/time budget through a count hook.
 * See steplm/sandbox.h for the contract. */
#include "steplm/sandbox.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOOK_EVERY 1000

typedef struct sb {
    size_t used, peak, cap;
    int mem_hit;
    uint64_t steps, max_steps;
    double t0, max_seconds;
    int limit_hit;            /* 1 instructions, 2 time */
    int last_line;            /* program line at the last hook (calls and every 1000 instructions) */
    sl_buf *out;
    size_t max_out;
} sb;

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    sb *s = ud;
    if (!ptr) osize = 0;
    if (nsize == 0) {
        free(ptr);
        s->used -= osize;
        return NULL;
    }
    if (nsize > osize && s->used - osize + nsize > s->cap) {
        s->mem_hit = 1;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) { s->mem_hit = 1; return NULL; }
    s->used = s->used - osize + nsize;
    if (s->used > s->peak) s->peak = s->used;
    return p;
}

static sb *get_sb(lua_State *L) {
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* Line of the innermost Lua function, for errors without one (memory). */
static void note_line(lua_State *L, sb *s) {
    lua_Debug d;
    for (int level = 0; level < 8 && lua_getstack(L, level, &d); level++)
        if (lua_getinfo(L, "l", &d) && d.currentline > 0) { s->last_line = d.currentline; return; }
}

static void count_hook(lua_State *L, lua_Debug *ar) {
    sb *s = get_sb(L);
    note_line(L, s);
    if (ar->event == LUA_HOOKCALL) return;
    s->steps++;
    if (s->limit_hit) {
        /* a limit was hit and the program caught the error with pcall: keep
         * raising at every instruction until it escapes to the top */
        luaL_error(L, "%s", s->limit_hit == 1 ? "instruction budget exceeded" : "time limit exceeded");
    }
    char msg[128];
    if (s->steps > s->max_steps) {
        snprintf(msg, sizeof msg, "instruction budget of %llu exceeded (infinite loop?)",
                 (unsigned long long)s->max_steps * HOOK_EVERY);
        s->limit_hit = 1;
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "%s", msg);
    }
    if ((s->steps & 63) == 0 && sl_time_sec() - s->t0 > s->max_seconds) {
        snprintf(msg, sizeof msg, "time limit of %.1f s exceeded", s->max_seconds);
        s->limit_hit = 2;
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "%s", msg);
    }
}
static int sb_print(lua_State *L) {
    sb *s = get_sb(L);
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *str = luaL_tolstring(L, i, &len);
        if (s->out && s->out->len + len + 1 < s->max_out) {
            if (i > 1) sl_buf_putc(s->out, '\t');
            sl_buf_append(s->out, str, len);
        }
        lua_pop(L, 1);
    }
    if (s->out && s->out->len + 1 < s->max_out) sl_buf_putc(s->out, '\n');
    return 0;
}

/* load(chunk [, name [, mode [, env]]]) with mode forced to text */
static int sb_load(lua_State *L) {
    size_t len;
    const char *chunk = luaL_checklstring(L, 1, &len);   /* strings only, no reader functions */
    const char *name = luaL_optstring(L, 2, "=(load)");
    int has_env = !lua_isnone(L, 4);
    int st = luaL_loadbufferx(L, chunk, len, name, "t");
    if (st != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (has_env) {
        lua_pushvalue(L, 4);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

static void open_lib(lua_State *L, const char *name, lua_CFunction f) {
    luaL_requiref(L, name, f, 1);
    lua_pop(L, 1);
}

static void remove_field(lua_State *L, const char *table, const char *field) {
    if (table) {
        lua_getglobal(L, table);
        if (lua_istable(L, -1)) {
            lua_pushnil(L);
            lua_setfield(L, -2, field);
        }
        lua_pop(L, 1);
    } else {
        lua_pushnil(L);
        lua_setglobal(L, field);
    }
}

typedef struct run_args {
    const char *name, *src;
    size_t n;
    const sandbox_host *host;
    sl_err *err;
    int setup_failed;
} run_args;

static int protected_main(lua_State *L) {
    run_args *a = lua_touserdata(L, 1);
    open_lib(L, LUA_GNAME, luaopen_base);
    open_lib(L, LUA_STRLIBNAME, luaopen_string);
    open_lib(L, LUA_TABLIBNAME, luaopen_table);
    open_lib(L, LUA_MATHLIBNAME, luaopen_math);
    open_lib(L, LUA_UTF8LIBNAME, luaopen_utf8);
    remove_field(L, NULL, "dofile");
    remove_field(L, NULL, "loadfile");
    remove_field(L, NULL, "require");
    remove_field(L, NULL, "collectgarbage");
    remove_field(L, "string", "dump");
    lua_pushcfunction(L, sb_load);
    lua_setglobal(L, "load");
    lua_pushcfunction(L, sb_print);
    lua_setglobal(L, "print");
    /* math.random must not depend on hidden state outside the program: seed fixed */
    lua_getglobal(L, "math");
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 42);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
    if (a->host && a->host->setup && a->host->setup(L, a->host->ctx, a->err)) {
        a->setup_failed = 1;
        return 0;
    }
    return 0;
}

void sandbox_limits_default(sandbox_limits *l) {
    l->max_instructions = 200000000ull;
    l->max_memory_bytes = (size_t)256 << 20;
    l->max_seconds = 10.0;
    l->max_output_bytes = 64 << 10;
}

/* "[string \"...\"]:3: msg" or "name:3: msg" -> keep; parse line if present */
static void set_lua_err(sl_err *err, sl_status st, const char *msg, const char *name) {
    if (!err) return;
    err->status = st;
    snprintf(err->file, sizeof err->file, "%s", name);
    err->line = 0;
    err->col = 0;
    const char *m = msg ? msg : "unknown error";
    size_t nl = strlen(name);
    if (!strncmp(m, name, nl) && m[nl] == ':') {
        char *end;
        long line = strtol(m + nl + 1, &end, 10);
        if (end != m + nl + 1 && *end == ':') {
            err->line = (uint32_t)line;
            m = end + 1;
            while (*m == ' ') m++;
        }
    }
    snprintf(err->msg, sizeof err->msg, "%s", m);
}

sl_status sandbox_run(const char *name, const char *src, size_t n, const sandbox_limits *lim,
                      const sandbox_host *host, sandbox_result *res, sl_err *err) {
    sandbox_limits dl;
    if (!lim) { sandbox_limits_default(&dl); lim = &dl; }
    sb s = {0};
    s.cap = lim->max_memory_bytes;
    s.max_steps = lim->max_instructions / HOOK_EVERY + 1;
    s.max_seconds = lim->max_seconds;
    s.t0 = sl_time_sec();
    s.max_out = lim->max_output_bytes;
    if (res) {
        memset(res, 0, sizeof *res);
        sl_buf_init(&res->output);
        s.out = &res->output;
    }
    if (err) memset(err, 0, sizeof *err);
    lua_State *L = lua_newstate(sb_alloc, &s);
    if (!L) return sl_err_set(err, SL_ERR_NOMEM, "cannot create the Lua state");
    run_args a = {name, src, n, host, err, 0};
    sl_status st = SL_OK;
    /* libraries and host API, in protected mode */
    lua_pushcfunction(L, protected_main);
    lua_pushlightuserdata(L, &a);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        st = sl_err_set(err, SL_ERR_NOMEM, "cannot set up the sandbox: %s", lua_tostring(L, -1));
        goto done;
    }
    if (a.setup_failed) { st = err && err->status ? err->status : SL_ERR_INVALID; goto done; }
    char chunk[300];
    snprintf(chunk, sizeof chunk, "@%s", name);
    int rc = luaL_loadbufferx(L, src, n, chunk, "t");
    if (rc != LUA_OK) {
        st = rc == LUA_ERRMEM ? SL_ERR_LIMIT : SL_ERR_SYNTAX;
        if (rc == LUA_ERRMEM) sl_err_set(err, st, "memory limit of %zu bytes exceeded", s.cap);
        else set_lua_err(err, st, lua_tostring(L, -1), name);
        goto done;
    }
    lua_sethook(L, count_hook, LUA_MASKCOUNT | LUA_MASKCALL, HOOK_EVERY);
    rc = lua_pcall(L, 0, 0, 0);
    if (rc == LUA_OK && host && host->finish && host->finish(L, host->ctx, err)) {
        lua_sethook(L, NULL, 0, 0);
        st = err && err->status ? err->status : SL_ERR_INVALID;
        if (err && s.limit_hit && err->status != SL_ERR_LIMIT) err->status = st = SL_ERR_LIMIT;
        goto done;
    }
    lua_sethook(L, NULL, 0, 0);
    if (rc != LUA_OK) {
        const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "error object is not a string";
        if (rc == LUA_ERRMEM || s.mem_hit) {
            int line = 0;
            st = SL_ERR_LIMIT;
            set_lua_err(err, st, msg, name);
            if (err) {
                line = err->line ? (int)err->line : s.last_line;
                snprintf(err->msg, sizeof err->msg, "memory limit of %zu bytes exceeded", s.cap);
                err->line = (uint32_t)line;
            }
        } else {
            st = s.limit_hit ? SL_ERR_LIMIT : SL_ERR_INVALID;
            set_lua_err(err, st, msg, name);
            /* errors raised from the hook carry no position: use the hook's line */
            if (err && s.limit_hit && !err->line) err->line = (uint32_t)s.last_line;
            if (err && strstr(err->msg, "stack overflow")) {
                err->status = st = SL_ERR_LIMIT;
                snprintf(err->msg, sizeof err->msg, "stack overflow (recursion too deep)");
            }
        }
    }
done:
    if (res) {
        res->instructions = s.steps * HOOK_EVERY;
        res->peak_memory_bytes = s.peak;
        res->seconds = sl_time_sec() - s.t0;
    }
    lua_close(L);
    return st;
}
