/* test_util.c - arena, buffer, atomic write, rng. */
#include "test.h"
#include "steplm/util.h"
#include <unistd.h>

int main(void) {
    sl_arena a;
    sl_arena_init(&a, 64);
    char *p = sl_arena_alloc(&a, 10);
    CHECK(p && ((uintptr_t)p % 16) == 0);
    sl_arena_mark m = sl_arena_get_mark(&a);
    for (int i = 0; i < 1000; i++) CHECK(sl_arena_alloc(&a, 100) != NULL);
    sl_arena_reset(&a, m);
    CHECK_EQ_INT(a.n_bytes, 16);
    a.cap_bytes = 1000;
    CHECK(sl_arena_alloc(&a, 2000) == NULL);
    sl_arena_release(&a);

    sl_buf b;
    sl_buf_init(&b);
    for (int i = 0; i < 1000; i++) sl_buf_printf(&b, "%d,", i);
    CHECK(b.len > 3000 && !b.failed);
    sl_buf_clear(&b);
    sl_buf_json_str(&b, "a\"b\n\x01", 5);
    CHECK_STR(b.data, "\"a\\\"b\\n\\u0001\"");
    sl_buf_release(&b);

    char path[] = "/tmp/steplm_test_util_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    sl_err err = {0};
    CHECK(sl_file_write_atomic(path, "hello", 5, &err) == SL_OK);
    char *data; size_t n;
    CHECK(sl_file_read(path, &data, &n, 0, &err) == SL_OK);
    CHECK(n == 5 && !memcmp(data, "hello", 5));
    free(data);
    CHECK(sl_file_read(path, &data, &n, 3, &err) == SL_ERR_LIMIT);
    unlink(path);
    CHECK(sl_file_write_atomic("/nonexistent-dir/x", "a", 1, &err) == SL_ERR_IO);
    CHECK(sl_file_read("/nonexistent-file", &data, &n, 0, &err) == SL_ERR_IO);

    sl_rng r1, r2;
    sl_rng_seed(&r1, 42); sl_rng_seed(&r2, 42);
    for (int i = 0; i < 100; i++) CHECK(sl_rng_next(&r1) == sl_rng_next(&r2));
    double u = sl_rng_uniform(&r1);
    CHECK(u >= 0 && u < 1);
    return test_finish("test_util");
}
