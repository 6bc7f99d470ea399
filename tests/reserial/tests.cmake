# The whole real corpus through reserialize/restore, 4 configurations: release build only.
set_tests_properties(reserial/test_corpus_full PROPERTIES LABELS nosan)
# OpenCASCADE reads annotated outputs and finds the original shape (skipped without occt-draw).
add_test(NAME reserial/occt_check COMMAND sh ${CMAKE_SOURCE_DIR}/tests/reserial/occt_check.sh $<TARGET_FILE:steplm>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(reserial/occt_check PROPERTIES SKIP_RETURN_CODE 77 LABELS nosan)
