"""The command line: `python -m helpers.classroom release|grade|merge|audit|autograder --help`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from helpers import classroom
from helpers.classroom import git_history, gradescope, reports
from helpers.classroom import grade as grading
from helpers.classroom import merge as merging
from helpers.classroom import release as releasing
from helpers.classroom.manifest import changed_since_release, read_manifest

PROG = "python -m helpers.classroom"


def _release_parser(commands) -> None:
    parser = commands.add_parser(
        "release",
        help="write the student version of the course",
        description=releasing.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", required=True, type=Path, help="the student tree to write")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--assessed", action="store_true", default=True, help="(the default)")
    mode.add_argument("--practice", action="store_true", help="keep solutions: self-study")
    parser.add_argument("--hidden", type=Path, help="instructor-only folder for the keys")
    parser.add_argument(
        "--repo",
        help="https://github.com/OWNER/NAME students install from (required when assessed)",
    )
    parser.add_argument("--branch", default="main", help="its branch (default: main)")
    parser.add_argument("--notebooks", type=Path, help="edited notebooks to release instead")
    parser.add_argument(
        "--solutions-released",
        default="after the deadline",
        help='completes "The solution is released ..." (e.g. "on 15 March")',
    )
    parser.add_argument(
        "--solutions-for",
        nargs="+",
        default=(),
        metavar="NN",
        help="assessed: also ship the keys of these notebooks (e.g. 01 02), their deadline passed",
    )
    parser.add_argument("--force", action="store_true", help="replace an earlier release")


def _grade_parser(commands) -> None:
    parser = commands.add_parser(
        "grade",
        help="grade SUBMISSIONS/<student>/<notebook>.ipynb offline",
        description=grading.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("submissions", type=Path, help="folder of one folder per student")
    parser.add_argument("--hidden", type=Path, help="the release's hidden folder")
    parser.add_argument("--out", required=True, type=Path, help="where to write the reports")
    parser.add_argument(
        "--workers",
        type=int,
        default=grading.default_workers(),
        help="notebooks graded at a time (default: one per CPU, as many as memory holds)",
    )
    parser.add_argument(
        "--cell-timeout", type=float, default=30.0, help="seconds per exercise cell (default 30)"
    )
    parser.add_argument(
        "--notebook-timeout", type=float, default=300.0, help="seconds per notebook (default 300)"
    )
    parser.add_argument(
        "--notebooks",
        nargs="+",
        default=(),
        metavar="NN",
        help="the assignment's notebooks (e.g. 03 04): others are not graded, and a student "
        "without one gets a 'not handed in' row (default: every notebook anyone handed in)",
    )
    parser.add_argument("--full", action="store_true", help="run every cell, top to bottom")
    parser.add_argument("--reveal", action="store_true", help="feedback shows hidden inputs")
    parser.add_argument("--gradescope", action="store_true", help="write results.json files")


def _small_parsers(commands) -> None:
    merge = commands.add_parser(
        "merge", help="fold TA scores of written answers in", description=merging.__doc__
    )
    merge.add_argument("folder", type=Path, help="the folder `grade --out` wrote")
    merge.add_argument(
        "--written", type=Path, help="the scored written.csv (default: FOLDER/written.csv)"
    )
    audit = commands.add_parser(
        "audit",
        help="check a student tree gives no answers away",
        description=(
            "List every way a student tree gives answers away: answer keys or compiled code in "
            "it, a solution's text in any file, the keys' package in pyproject.toml; with "
            "--history, in every commit of its git repository too. Exits with 1 when it finds "
            "any."
        ),
    )
    audit.add_argument("tree", type=Path, help="the student tree")
    audit.add_argument("--hidden", required=True, type=Path, help="the release's hidden folder")
    audit.add_argument(
        "--history", action="store_true", help="audit every commit of the tree's git repository"
    )


def _autograder_parser(commands) -> None:
    parser = commands.add_parser(
        "autograder",
        help="write Gradescope's autograder zip (it holds the keys: instructor only)",
        description=gradescope.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--students", required=True, type=Path, help="the student tree")
    parser.add_argument("--hidden", required=True, type=Path, help="the release's hidden folder")
    parser.add_argument(
        "--notebooks", nargs="+", default=(), metavar="NN", help="the assignment (default: all)"
    )
    parser.add_argument("--out", required=True, type=Path, help="the zip to write")


def parser() -> argparse.ArgumentParser:
    """Return the command's argument parser."""
    top = argparse.ArgumentParser(
        prog=PROG,
        description=classroom.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", required=True)
    _release_parser(commands)
    _grade_parser(commands)
    _small_parsers(commands)
    _autograder_parser(commands)
    return top


def run_release(args: argparse.Namespace) -> int:
    """Run `release`."""
    config = releasing.ReleaseConfig(
        out=args.out,
        hidden=args.hidden,
        assessed=not args.practice,
        repo=args.repo,
        branch=args.branch,
        notebooks=args.notebooks,
        solutions_released=args.solutions_released,
        solutions_for=tuple(args.solutions_for),
        force=args.force,
    )
    report = releasing.release(config)
    count = sum(len(info.exercises) for info in report.notebooks)
    mode = "practice" if args.practice else "assessed"
    print(f"Released {len(report.notebooks)} notebooks, {count} exercises ({mode}) to {args.out}")
    if report.hidden:
        print(f"Hidden tests and manifest: {report.hidden} (keep it out of the students' repo)")
    for name in report.missing:
        print(f"warning: no cell calls {name}.check; it is not part of this release")
    return 0


def run_grade(args: argparse.Namespace) -> int:
    """Run `grade`."""
    config = grading.GradeConfig(
        submissions=args.submissions,
        out=args.out,
        hidden=args.hidden,
        workers=args.workers,
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        full=args.full,
        reveal=args.reveal,
        gradescope=args.gradescope,
        only=tuple(args.notebooks),
    )
    notebooks = grading.assignment(config)  # a wrong --notebooks stops here
    reports.scored_before(config.out / reports.WRITTEN)  # a bad score stops grading early
    if config.hidden and (warning := changed_since_release(config.hidden)):
        print(warning, file=sys.stderr)
    started = time.perf_counter()
    rows = grading.grade(config)
    exercises = grading.exercises_by_name(notebooks)
    keys = grading.keys_by_name(notebooks, config.hidden)
    reports.write_reports(rows, config.out, exercises, keys, config.reveal, config.gradescope)
    seconds = time.perf_counter() - started
    students = len({row.student for row in rows})
    missing = sum(row.status == grading.NOT_HANDED_IN for row in rows)
    graded = f"Graded {len(rows) - missing} notebooks of {students} students in {seconds:.1f} s"
    print(f"{graded}; {missing} not handed in." if missing else f"{graded}.")
    print(f"Gradebook: {config.out / reports.GRADEBOOK}; feedback: {config.out / 'feedback'}")
    return 0


def run_small(args: argparse.Namespace) -> int:
    """Run `merge` or `audit`."""
    if args.command == "merge":
        count = merging.merge(args.folder, args.written)
        print(f"{count} written answers scored; reports rewritten in {args.folder}.")
        return 0
    keys_from = args.hidden
    released = releasing.keys_released_in(args.tree)  # --solutions-for, on purpose
    leaks = releasing.audit(args.tree, read_manifest(args.hidden), keys_from, released)
    if args.history:
        leaks += git_history.audit_history(args.tree, read_manifest(args.hidden), keys_from)
    for leak in leaks:
        print(f"leak: {leak}")
    print("No answers in the student tree." if not leaks else f"{len(leaks)} leaks found.")
    return 1 if leaks else 0


def run_autograder(args: argparse.Namespace) -> int:
    """Run `autograder`."""
    names = gradescope.build_autograder(args.students, args.hidden, args.out, args.notebooks)
    print(f"Wrote {args.out}: Gradescope grades {', '.join(names)} with it.")
    print("It holds the answer keys: upload it to Gradescope only.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command."""
    args = parser().parse_args(argv)
    commands = {"release": run_release, "grade": run_grade, "autograder": run_autograder}
    try:
        return commands.get(args.command, run_small)(args)
    except (
        releasing.ReleaseError,
        reports.ScoreError,
        grading.AssignmentError,
        FileNotFoundError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
