"""Secondment requests (trưng dụng): draft, submit, decide once, paperwork."""
