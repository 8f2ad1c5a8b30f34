"""Files `prepdeck init` copies into a new bank (see init.py); data, not code."""
