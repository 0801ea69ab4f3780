"""The fast tier: one ``test_<module>.py`` per runner module, importing it directly (no browser, no subprocess)."""
