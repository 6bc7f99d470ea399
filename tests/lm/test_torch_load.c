/* test_torch_load.c - portability of checkpoints to another implementation:
 * a model saved by steplm (safetensors, Hugging Face Llama names, config.json)
 * is loaded by PyTorch (tests/lm/torch_load.py builds tiny_lm.py's TinyLM from
 * it) and gives the same logits, within 1e-5 relative. Skipped when python3
 * with torch is not installed. */
#include "test.h"
#include "steplm/lm.h"

int main(void) {
    sl_err err = {0};
    lm_config c = {300, 64, 2, 4, 4, 96, 40, 0, 10000.0f, 1e-5f};
    lm_model *m;
    CHECK(lm_model_new(&c, &m, &err) == SL_OK);
    lm_model_init_random(m, 0.1f, 17);
    const char *dir = "build/test_lm_torch";
    CHECK(lm_checkpoint_save(m, NULL, dir, &err) == SL_OK);
    int32_t ids[40];
    for (int i = 0; i < 40; i++) ids[i] = (i * 97 + 11) % 300;
    CHECK(lm_model_train_init(m, 1, &err) == SL_OK);
    CHECK(lm_model_forward(m, ids, NULL, 1, 40, NULL, NULL, &err) == SL_OK);
    CHECK(sl_file_write_atomic("build/test_lm_torch/ids.bin", ids, sizeof ids, &err) == SL_OK);
    CHECK(sl_file_write_atomic("build/test_lm_torch/logits.bin", lm_model_logits(m), sizeof(float) * 40 * 300, &err) == SL_OK);
    lm_model_free(m);
    int rc = system("OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 tests/lm/torch_load.py build/test_lm_torch");
    rc = rc == -1 ? -1 : (rc >> 8) & 0xff;
    if (rc == 77 || rc == 127) TEST_SKIP("python3 with torch not available");
    CHECK_EQ_INT(rc, 0);
    return test_finish("lm/torch_load");
}
