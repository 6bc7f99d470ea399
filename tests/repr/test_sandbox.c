/* test_sandbox.c - hostile programs are stopped with a clear, located error within
 * their limit; harmless ones run. */
#include "test.h"
#include "steplm/sandbox.h"

static sl_status run(const char *src, const sandbox_limits *lim, sl_err *err, sandbox_result *res) {
    sandbox_result local;
    sandbox_result *r = res ? res : &local;
    sl_status s = sandbox_run("prog.lua", src, strlen(src), lim, NULL, r, err);
    if (!res) sl_buf_release(&local.output);
    return s;
}

static void expect(const char *src, sl_status want, unsigned line, const char *msg) {
    sandbox_limits lim;
    sandbox_limits_default(&lim);
    lim.max_instructions = 20000000;
    lim.max_memory_bytes = 32 << 20;
    lim.max_seconds = 5;
    sl_err err;
    double t0 = sl_time_sec();
    sl_status s = run(src, &lim, &err, NULL);
    double dt = sl_time_sec() - t0;
    CHECK_MSG(s == want, "%s\n -> status %d (%s), expected %d", src, s, err.msg, want);
    if (line) CHECK_MSG(err.line == line, "%s\n -> line %u, expected %u (%s)", src, err.line, line, err.msg);
    CHECK_MSG(strstr(err.msg, msg) != NULL, "%s\n -> message '%s' lacks '%s'", src, err.msg, msg);
    CHECK_MSG(dt < 6, "%s took %.1f s", src, dt);
}

int main(void) {
    sandbox_result res;
    sl_err err;
    CHECK(run("local s = 0\nfor i = 1, 100 do s = s + i end\nprint('sum', s)", NULL, &err, &res) == SL_OK);
    CHECK_STR(res.output.data, "sum\t5050\n");
    sl_buf_release(&res.output);

    expect("local x = 1\nwhile true do x = x + 1 end", SL_ERR_LIMIT, 2, "instruction budget");
    expect("while true do pcall(function() while true do end end) end", SL_ERR_LIMIT, 0, "instruction budget");
    expect("local t = {}\nfor i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end", SL_ERR_LIMIT, 2, "memory limit");
    expect("local s = string.rep('x', 1 << 30)", SL_ERR_LIMIT, 1, "memory limit");
    expect("\nos.execute('touch /tmp/pwned')", SL_ERR_INVALID, 2, "global 'os'");
    expect("local f = io.open('/etc/passwd')", SL_ERR_INVALID, 1, "global 'io'");
    expect("require('os')", SL_ERR_INVALID, 1, "global 'require'");
    expect("dofile('/etc/passwd')", SL_ERR_INVALID, 1, "global 'dofile'");
    expect("local f = string.dump(print)", SL_ERR_INVALID, 1, "field 'dump'");
    expect("local f, e = load('\\27Lua\\84\\0')\nassert(f, e)", SL_ERR_INVALID, 2, "attempt to load a binary chunk");
    /* deep recursion: with the default 256 MiB cap Lua's own stack limit stops it first */
    CHECK(run("local function f(n) return 1 + f(n + 1) end\nf(1)", NULL, &err, NULL) == SL_ERR_LIMIT);
    CHECK_MSG(strstr(err.msg, "stack overflow") != NULL, "%s", err.msg);
    expect("local x = \nend", SL_ERR_SYNTAX, 2, "unexpected symbol");
    expect("local a = nil\nlocal b = a.field", SL_ERR_INVALID, 2, "attempt to index a nil value");
    expect("error('bad part')", SL_ERR_INVALID, 1, "bad part");
    expect("debug.sethook()", SL_ERR_INVALID, 1, "global 'debug'");
    expect("collectgarbage('stop')", SL_ERR_INVALID, 1, "global 'collectgarbage'");

    /* the time limit, independently of the instruction budget */
    sandbox_limits lim;
    sandbox_limits_default(&lim);
    lim.max_instructions = UINT64_MAX / 2;
    lim.max_seconds = 0.3;
    double t0 = sl_time_sec();
    CHECK(run("while true do end", &lim, &err, NULL) == SL_ERR_LIMIT);
    CHECK(strstr(err.msg, "time limit") != NULL);
    CHECK(sl_time_sec() - t0 < 2.0);

    /* load() of text still works, and the program's own errors keep their line */
    CHECK(run("local f = load('return 1 + 1')\nassert(f() == 2)", NULL, &err, NULL) == SL_OK);
    return test_finish("test_sandbox");
}
