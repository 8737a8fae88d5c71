"""Convocations (triệu tập): invite, answer, remind, roll."""
