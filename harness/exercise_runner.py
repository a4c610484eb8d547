"""The Python side of `oomlab exercise`, run by the embedded interpreter in a fresh measurement child.

It imports the exercise's check.py and the learner's file, builds the inputs (check.prepare, before the
measured phase, so that the inputs a task is given do not count against its budget), calls the
learner's one function between run.start() and run.stop(), and only then checks the result, so the
check's own memory is never charged to the learner.
"""

import importlib.util
import sys
import traceback
from pathlib import Path


def _load(path, module_name):
    """Imports the file at `path` as `module_name`, registered in sys.modules so that pickling a
    function of it by reference (multiprocessing's tasks) finds the same module in a worker."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def run_exercise(run, exercise_dir, learner_file, function_name):
    """Returns {"check_passed": bool, "check_message": str}; an exception in the learner's function
    or in its import propagates (the harness reports it with its traceback)."""
    sys.dont_write_bytecode = True  # no __pycache__ left in experiments/ by a check
    exercise_dir = Path(exercise_dir)
    learner_file = Path(learner_file).resolve()
    sys.path.insert(0, str(learner_file.parent))  # the learner may import a helper of their own
    check = _load(exercise_dir / "check.py", "exercise_check")
    learner = _load(learner_file, "exercise")
    function = getattr(learner, function_name, None)
    if not callable(function):
        raise AttributeError(f"{learner_file.name} defines no function {function_name}(); the exercise calls it")
    arguments = tuple(check.prepare(run.size))
    run.start()
    result = function(*arguments)
    run.stop()
    del arguments
    try:
        passed, message = check.check(result, run.size)
    except Exception:  # a result of the wrong shape is a failed check, not a harness error
        passed, message = False, "the check could not read the result:\n" + traceback.format_exc(limit=2)
    return {"check_passed": bool(passed), "check_message": str(message)}
