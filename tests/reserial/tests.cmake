# The whole real corpus through reserialize/restore, 4 configurations: release build only.
set_tests_properties(reserial/test_corpus_full PROPERTIES LABELS nosan)
