# test_schema_occt runs OpenCASCADE's DRAW (a peer process): once, not under the sanitizers.
set_tests_properties(schema/test_schema_occt PROPERTIES LABELS nosan TIMEOUT 900)
# The generated table must match its source (src/schema/entities.txt).
find_program(STEPLM_PYTHON3 python3)
if(STEPLM_PYTHON3)
  add_test(NAME schema/table_up_to_date COMMAND ${STEPLM_PYTHON3} ${CMAKE_SOURCE_DIR}/src/schema/gen_table.py --verify)
endif()
