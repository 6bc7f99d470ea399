# The full corpus comparison takes ~10 s optimised but minutes under ASan: it runs
# in the release build only; the sanitizer build runs the small-file subset.
set_tests_properties(brep/test_brep_corpus PROPERTIES LABELS nosan)
add_test(NAME brep/corpus_small COMMAND brep_test_brep_corpus --small WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(brep/corpus_small PROPERTIES SKIP_RETURN_CODE 77
                     ENVIRONMENT "STEPLM_BIN=$<TARGET_FILE:steplm>;OPENBLAS_CORETYPE=SkylakeX")
