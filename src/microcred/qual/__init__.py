"""Qualitative coding: codebook, units, codings, automatic coding, agreement, REFI-QDA."""
