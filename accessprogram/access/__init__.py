"""API tokens and the checks that let a tester in (or keep them out)."""
