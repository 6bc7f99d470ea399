/* test_lora.c - LoRA adapters: attaching changes nothing; gradients against
 * finite differences; training adapters leaves every base weight bit for bit
 * unchanged while the loss falls; merged weights give the logits of base +
 * adapters; adapters saved alone load back onto the base. */
#include "test.h"
#include "steplm/lm.h"
#include "lm/internal.h"

int main(void) {
    sl_err err;
    lm_config c = {97, 32, 2, 4, 2, 40, 24, 0, 10000.0f, 1e-5f};
    lm_model *m;
    CHECK(lm_model_new(&c, &m, &err) == SL_OK);
    lm_model_init_random(m, 0.2f, 21);
    CHECK(lm_model_train_init(m, 2, &err) == SL_OK);
    int B = 2, T = 24, V = c.vocab;
    int32_t ids[48], tg[48];
    for (int i = 0; i < 48; i++) { ids[i] = (i * 31 + 2) % V; tg[i] = (i * 17 + 5) % V; }
    float l0, l1;
    CHECK(lm_model_forward(m, ids, tg, B, T, &l0, NULL, &err) == SL_OK);
    float *base_logits = malloc(sizeof(float) * B * T * V);
    memcpy(base_logits, lm_model_logits(m), sizeof(float) * B * T * V);
    size_t np;
    float *w = lm_model_param_data(m, &np);
    float *base_copy = malloc(sizeof(float) * np);
    memcpy(base_copy, w, sizeof(float) * np);

    CHECK(lm_lora_attach(m, 4, 8.0f, 3, &err) == SL_OK);
    CHECK(lm_model_forward(m, ids, tg, B, T, &l1, NULL, &err) == SL_OK);
    CHECK(l0 == l1);   /* B = 0: exactly the base model */
    /* make B non-zero so that every path carries signal, then check grads */
    size_t nl;
    float *ad = lm_lora_data(m, &nl);
    sl_rng r;
    sl_rng_seed(&r, 8);
    for (size_t i = 0; i < nl; i++) ad[i] += 0.05f * (float)(sl_rng_uniform(&r) - 0.5);
    CHECK(lm_model_forward(m, ids, tg, B, T, &l1, NULL, &err) == SL_OK);
    lm_model_zero_grad(m);
    lm_model_backward(m, 1.0f);
    lm_lora_params *lp = lm_lora_get(m);
    float *probe[5] = {lp->a[0] + 3, lp->b[1] + 5, lp->a[4] + 50, lp->b[6] + 7, lp->b[3] + 100};
    int ok = 1;
    for (int i = 0; i < 5; i++) {
        size_t off = (size_t)(probe[i] - ad);
        float keep = ad[off], lp1, lm1;
        ad[off] = keep + 1e-2f;
        lm_model_forward(m, ids, tg, B, T, &lp1, NULL, &err);
        ad[off] = keep - 1e-2f;
        lm_model_forward(m, ids, tg, B, T, &lm1, NULL, &err);
        ad[off] = keep;
        double fd = (lp1 - lm1) / 2e-2, an = m->lora_grad[off];
        if (fabs(fd - an) > 2e-2 * fabs(an) + 2e-4) { ok = 0; fprintf(stderr, "probe %d: fd %g analytic %g\n", i, fd, an); }
    }
    CHECK(ok);
    /* train adapters only, with weight decay on */
    lm_adamw opt = {1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 1.0f};
    float first = 0, last = 0;
    for (int s = 1; s <= 30; s++) {
        float loss;
        lm_model_forward(m, ids, tg, B, T, &loss, NULL, &err);
        lm_model_zero_grad(m);
        lm_model_backward(m, 1.0f);
        lm_model_adamw_step(m, &opt, opt.lr, s);
        if (s == 1) first = loss;
        last = loss;
    }
    fprintf(stderr, "LoRA training: loss %.4f -> %.4f\n", first, last);
    CHECK(last < first - 0.5f);
    CHECK(memcmp(w, base_copy, sizeof(float) * np) == 0);
    /* save adapters; logits with adapters; merge; compare */
    const char *ap = "build/test_lm_lora.safetensors";
    CHECK(lm_lora_save(m, ap, &err) == SL_OK);
    CHECK(lm_model_forward(m, ids, tg, B, T, &l1, NULL, &err) == SL_OK);
    float *ad_logits = malloc(sizeof(float) * B * T * V);
    memcpy(ad_logits, lm_model_logits(m), sizeof(float) * B * T * V);
    lm_lora_merge(m);
    CHECK(lm_lora_rank(m) == 0);
    CHECK(lm_model_train_init(m, 2, &err) == SL_OK);
    float l2;
    CHECK(lm_model_forward(m, ids, tg, B, T, &l2, NULL, &err) == SL_OK);
    double md = 0, mx = 0;
    for (int i = 0; i < B * T * V; i++) {
        double dd = fabs(lm_model_logits(m)[i] - ad_logits[i]);
        if (dd > md) md = dd;
        if (fabs(ad_logits[i]) > mx) mx = fabs(ad_logits[i]);
    }
    fprintf(stderr, "merged vs base+adapters: max |logit diff| %.3g (max |logit| %.3g)\n", md, mx);
    CHECK(md <= 1e-5 * mx);
    CHECK(memcmp(w, base_copy, sizeof(float) * np) != 0);   /* merge did write the base */
    /* adapters alone onto a fresh copy of the base */
    lm_model *m2;
    CHECK(lm_model_new(&c, &m2, &err) == SL_OK);
    memcpy(lm_model_param_data(m2, NULL), base_copy, sizeof(float) * np);
    CHECK(lm_lora_attach(m2, 4, 8.0f, 77, &err) == SL_OK);
    CHECK(lm_lora_load(m2, ap, &err) == SL_OK);
    CHECK(lm_model_train_init(m2, 2, &err) == SL_OK);
    float l3;
    CHECK(lm_model_forward(m2, ids, tg, B, T, &l3, NULL, &err) == SL_OK);
    CHECK(memcmp(lm_model_logits(m2), ad_logits, sizeof(float) * B * T * V) == 0);
    /* wrong rank: a clear shape error */
    lm_model *m3;
    CHECK(lm_model_new(&c, &m3, &err) == SL_OK);
    CHECK(lm_lora_attach(m3, 2, 8.0f, 1, &err) == SL_OK);
    CHECK(lm_lora_load(m3, ap, &err) == SL_ERR_INVALID);
    CHECK(strstr(err.msg, "shape") != NULL);
    lm_model_free(m3);
    lm_model_free(m2);
    lm_model_free(m);
    free(base_logits); free(base_copy); free(ad_logits);
    return test_finish("lm/lora");
}
