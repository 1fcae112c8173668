"""INSTRUCTOR ONLY in an assessed release: the answer keys of every notebook's exercises.

One module per notebook (``nb03.py`` ...) defines ``q1 = Key(...)``, ``q2``, ... beside the
public ``helpers/exercises/nbNN.py``: the test of a right answer or the hidden cases of a
function answer, the diagnoses that need the expected answer, the solution, the answered
exercise cell, and the rubric of a written answer. `python -m helpers.classroom release
--assessed` writes these modules to the instructor's hidden location and leaves them out of
the students' tree; practice mode (the course's own repository) keeps them here.
"""
