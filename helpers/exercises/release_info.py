"""How this copy of the course was released; `python -m helpers.classroom release` rewrites it.

The course's own repository is in practice mode: every exercise's key (answer test, hidden
cases, solution) ships in ``helpers/exercises/answers``. An assessed release leaves the keys
out and says here when the solutions come.
"""

MODE = "practice"  # "practice" or "assessed"
SOLUTIONS_RELEASED = "after the deadline"  # completes "The solution to nb03.q1 is released ..."
