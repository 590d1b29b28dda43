/* check_orc_util.h -- small helpers for the oracle's unit tests (no state). */
#ifndef CHECK_ORC_UTIL_H
#define CHECK_ORC_UTIL_H
#include <check.h>
#include <string.h>
#include "oracle.h"

/* A model with no budget limits (no collection fires by itself), so rule
   tests see only the collections they ask for. */
static inline orc_model *orc_t_model(orc_profile profile)
{
    orc_config c;
    orc_config_default(&c);
    c.gen0_budget = c.gen1_budget = c.gen2_budget = c.loh_budget = 0;
    c.profile = profile;
    orc_model *m = orc_create(&c);
    ck_assert_ptr_nonnull(m);
    return m;
}

static inline orc_type_id orc_t_fixed(orc_model *m, const char *name, uint64_t size,
                                      uint32_t nrefs, orc_fin_kind fin, uint32_t stat,
                                      bool critical)
{
    orc_type_desc d;
    memset(&d, 0, sizeof d);
    d.name = name;
    d.kind = ORC_TYPE_FIXED;
    d.size = size;
    d.nrefs = nrefs;
    d.fin = fin;
    d.fin_static = stat;
    d.critical = critical;
    orc_type_id t = ORC_NO_TYPE;
    ck_assert_int_eq(orc_type_add(m, &d, &t), ORC_OK);
    return t;
}

static inline orc_type_id orc_t_array(orc_model *m, const char *name, orc_type_kind kind)
{
    orc_type_desc d;
    memset(&d, 0, sizeof d);
    d.name = name;
    d.kind = kind;
    orc_type_id t = ORC_NO_TYPE;
    ck_assert_int_eq(orc_type_add(m, &d, &t), ORC_OK);
    return t;
}

/* The object a bound local names (fails the test if not bound). */
static inline orc_id orc_t_local(const orc_model *m, uint32_t local)
{
    orc_id id = ORC_NULL;
    ck_assert_int_eq(orc_local_get(m, local, &id), ORC_LOCAL_BOUND);
    return id;
}

static inline orc_obj_info orc_t_info(const orc_model *m, orc_id id)
{
    orc_obj_info i;
    ck_assert_int_eq(orc_obj_get(m, id, &i), ORC_OK);
    return i;
}

/* Allocates into `local` (model's own prediction) and returns the id. */
static inline orc_id orc_t_new(orc_model *m, uint32_t local, orc_type_id t, uint64_t length)
{
    orc_id id = ORC_NULL;
    ck_assert_int_eq(orc_alloc(m, local, t, length, &id), ORC_OK);
    ck_assert_uint_ne(id, ORC_NULL);
    return id;
}

#define ORC_T_OK(expr) do { orc_status s_ = (expr); \
        ck_assert_msg(s_ == ORC_OK, "%s: %s (%s)", #expr, orc_status_name(s_), \
                      orc_last_error(m)); \
        ORC_T_CHECK(m); } while (0)
#define ORC_T_CHECK(mm) do { orc_status c_ = orc_check(mm); \
        if (c_ != ORC_OK) ck_abort_msg("orc_check: %s", orc_last_error(mm)); } while (0)
/* A requirement for hot loops: Check records every passing ck_assert (a
   write to its pipe), so loops test first and only fail through Check. */
#define ORC_T_REQUIRE(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)
#endif
