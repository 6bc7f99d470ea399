# tests/metrics/tests.cmake - the Open3D alignment comparison runs ~50 full alignments at
# up to 32,768 points: too slow for the sanitizer build, so it is labelled nosan.
set_tests_properties(metrics/test_align_reference PROPERTIES LABELS nosan TIMEOUT 900)
