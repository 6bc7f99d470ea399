/* schema_table.h - private: the generated tables (table.c) behind steplm/schema.h. */
#ifndef STEPLM_SCHEMA_TABLE_H
#define STEPLM_SCHEMA_TABLE_H

#include <stdint.h>
#include "steplm/schema.h"

#define SCHEMA_MASK_WORDS 8

extern const uint32_t schema_n_entities_, schema_n_types_, schema_n_attrs_;
extern const uint32_t schema_n_named_types_, schema_n_masks_;
extern const schema_entity schema_entities_[];
extern const uint16_t schema_supers_[];
extern const schema_attr schema_attrs_[];
extern const uint16_t schema_derived_by_[];
extern const schema_slot schema_layout_[];
extern const schema_type schema_types_[];
extern const uint16_t schema_named_types_[];
extern const uint16_t schema_select_items_[];
extern const char *const schema_enum_values_[];
extern const uint64_t schema_masks_[][SCHEMA_MASK_WORDS];
extern const uint64_t schema_ancestors_[][SCHEMA_MASK_WORDS];

#endif
