"""`python -m helpers.classroom`: see helpers.classroom.cli."""

import sys

from helpers.classroom.cli import main

sys.exit(main())
