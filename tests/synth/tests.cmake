# test_synth_occt runs OpenCASCADE's DRAW (a peer process) on one part per family:
# once, in the release build, not under the sanitizers.
set_tests_properties(synth/test_synth_occt PROPERTIES LABELS nosan TIMEOUT 900)
# test_synth_round_occt asks OpenCASCADE's DRAW for the cylindrical faces of one part per
# family (their radii and, by point classification, hole or boss): release build only.
set_tests_properties(synth/test_synth_round_occt PROPERTIES LABELS nosan TIMEOUT 900)
