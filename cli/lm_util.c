/* lm_util.c - helpers shared by the language-model subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cblas.h>

#include "lm_util.h"

void lm_cli_ensure_blas_env(int argc, char **argv) {
    if (getenv("OPENBLAS_CORETYPE") || getenv("STEPLM_REEXECED")) return;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f")) return;
    if (setenv("OPENBLAS_CORETYPE", "SkylakeX", 1) || setenv("STEPLM_REEXECED", "1", 1)) return;
    char **nv = calloc((size_t)argc + 2, sizeof(char *));
    if (!nv) return;
    nv[0] = "steplm";
    for (int i = 0; i < argc; i++) nv[i + 1] = argv[i];
    execv("/proc/self/exe", nv);
    free(nv);   /* exec failed: carry on with whatever core OpenBLAS picked */
}

const char *lm_cli_blas_core(void) { return openblas_get_corename(); }
