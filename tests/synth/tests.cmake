# test_synth_occt runs OpenCASCADE's DRAW (a peer process) on one part per family:
# once, in the release build, not under the sanitizers.
set_tests_properties(synth/test_synth_occt PROPERTIES LABELS nosan TIMEOUT 900)
