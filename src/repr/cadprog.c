/* cadprog.c - run a CAD program in the sandbox with the CAD API prelude
 * (src/repr/cadapi.lua, embedded at build time), collect the JSON feature tree it
 * made, and build it, mapping kernel errors back to program lines. */
#include "steplm/cadprog.h"

#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char steplm_lua_cadapi[];

typedef struct host_ctx {
    const char *name;
    const char *globals;
    sl_buf *json;
    int emit_ref;
} host_ctx;

/* _line(): the current line of the program chunk (source "@name"), skipping the API */
static int l_line(lua_State *L) {
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.source[0] == '@' && ar.currentline > 0) {
            lua_pushinteger(L, ar.currentline);
            return 1;
        }
    }
    lua_pushinteger(L, 0);
    return 1;
}

static int host_setup(lua_State *L, void *vctx, sl_err *err) {
    host_ctx *c = vctx;
    if (luaL_loadbufferx(L, steplm_lua_cadapi, strlen(steplm_lua_cadapi), "=cadapi", "t") != LUA_OK) {
        sl_err_set(err, SL_ERR_INVALID, "CAD API does not load: %s", lua_tostring(L, -1));
        return -1;
    }
    lua_pushcfunction(L, l_line);
    lua_pushstring(L, c->name);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
        sl_err_set(err, SL_ERR_INVALID, "CAD API failed: %s", lua_tostring(L, -1));
        return -1;
    }
    c->emit_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (c->globals) {
        if (luaL_loadbufferx(L, c->globals, strlen(c->globals), "=parameters", "t") != LUA_OK ||
            lua_pcall(L, 0, 0, 0) != LUA_OK) {
            sl_err_set(err, SL_ERR_INVALID, "parameters: %s", lua_tostring(L, -1));
            return -1;
        }
    }
    return 0;
}

static int host_finish(lua_State *L, void *vctx, sl_err *err) {
    host_ctx *c = vctx;
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->emit_ref);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
        const char *m = lua_tostring(L, -1);
        snprintf(err->file, sizeof err->file, "%s", c->name);
        err->line = 0;
        sl_err_set(err, strstr(m ? m : "", "exceeded") ? SL_ERR_LIMIT : SL_ERR_INVALID, "%s", m ? m : "error");
        return -1;
    }
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (!s) { sl_err_set(err, SL_ERR_INVALID, "the CAD API returned no feature tree"); return -1; }
    sl_buf_append(c->json, s, len);
    return c->json->failed ? (sl_err_set(err, SL_ERR_NOMEM, "out of memory"), -1) : 0;
}

sl_status cadprog_run(const char *name, const char *src, size_t n, const char *globals_lua,
                      const sandbox_limits *lim, sl_buf *json, sandbox_result *res, sl_err *err) {
    host_ctx c = {name, globals_lua, json, LUA_NOREF};
    sandbox_host h = {host_setup, host_finish, &c};
    sl_err local;
    if (!err) err = &local;
    sl_status st = sandbox_run(name, src, n, lim, &h, res, err);
    if (st && !err->file[0]) snprintf(err->file, sizeof err->file, "%s", name);
    return st;
}

/* The kernel's errors start with the JSON path of the failing node
 * ("features[1].sketch.loops[0]: ..."): walk it and take the deepest "_line". */
static void locate(const char *name, const char *json, size_t n, sl_err *err) {
    const char *msg = err->msg;
    const char *colon = strstr(msg, ": ");
    snprintf(err->file, sizeof err->file, "%s", name);
    if (!colon) return;
    cJSON *root = cJSON_ParseWithLength(json, n);
    if (!root) return;
    const cJSON *cur = root;
    int line = 0;
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(cur, "_line");
    if (cJSON_IsNumber(l)) line = l->valueint;
    const char *p = msg;
    while (p < colon && cur) {
        char key[64];
        size_t k = 0;
        if (*p == '.') p++;
        if (*p == '[') {
            long idx = strtol(p + 1, (char **)&p, 10);
            if (*p == ']') p++;
            cur = cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, (int)idx) : NULL;
        } else {
            while (p < colon && *p != '.' && *p != '[' && k + 1 < sizeof key) key[k++] = *p++;
            key[k] = 0;
            cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, key) : NULL;
        }
        if (cur) {
            l = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, "_line") : NULL;
            if (cJSON_IsNumber(l) && l->valueint > 0) line = l->valueint;
        }
    }
    cJSON_Delete(root);
    if (line > 0) {
        err->line = (uint32_t)line;
        /* the program line replaces the JSON path in the message */
        size_t skip = (size_t)(colon + 2 - msg);
        memmove(err->msg, err->msg + skip, strlen(err->msg + skip) + 1);
    }
}

sl_status cadprog_build(const char *name, const char *json, size_t n, build_model *m, sl_err *err) {
    sl_err local;
    if (!err) err = &local;
    memset(err, 0, sizeof *err);
    sl_status st = build_model_from_json(json, n, m, err);
    if (st) locate(name, json, n, err);
    return st;
}
