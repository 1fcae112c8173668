"""The instructor's side of the course: release student versions, grade submissions offline.

``python -m helpers.classroom`` (or ``course-classroom``) has five commands:

- ``release``: write the student tree, and in assessed mode the hidden tests apart from it;
- ``grade``: run every submitted notebook in its own kernel and write the gradebook,
  feedback files, the written answers to score and, on request, Gradescope's results.json;
- ``merge``: fold a teaching assistant's scores of written answers into the gradebook and
  feedback;
- ``audit``: check that a student tree gives no answers away;
- ``autograder``: write the zip with which Gradescope grades each upload itself.

docs/classroom.md walks through the whole cycle, from fork to gradebook.
"""
