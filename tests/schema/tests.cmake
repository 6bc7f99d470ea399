# test_schema_occt runs OpenCASCADE's DRAW (a peer process): once, not under the sanitizers.
set_tests_properties(schema/test_schema_occt PROPERTIES LABELS nosan TIMEOUT 900)
