"""The exercise table's rows, one module per notebook (tests/test_exercises.py joins them).

Each module's ROWS holds one row per exercise: the exercise, answers it must accept, and wrong
answers it must refuse, each with a fragment of the targeted hint it must get (None: the
exercise's general hint).
"""
