/* lm_util.h - helpers shared by the language-model subcommands. */
#ifndef STEPLM_CLI_LM_UTIL_H
#define STEPLM_CLI_LM_UTIL_H

/* OpenBLAS 0.3.21 reads OPENBLAS_CORETYPE when it is loaded, before main().
 * If it is unset and the CPU has AVX-512, set it to SkylakeX and re-execute
 * this process (once) so that the fast kernels are selected. Returns only if
 * no re-exec happened. argv is the subcommand's (argv[0] = its name). */
void lm_cli_ensure_blas_env(int argc, char **argv);
/* the OpenBLAS core in use, e.g. "SkylakeX" */
const char *lm_cli_blas_core(void);

#endif
