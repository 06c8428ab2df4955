"""Funds' pages: the special budget (`budget`) and the fund register (`register`)."""
