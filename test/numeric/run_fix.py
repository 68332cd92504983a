"""Runs rule fixtures before and after their fix, for the numerical checks of the fixes.

Reads one JSON document from standard input:

    {"root": "<folder every module must lie in>", "timeout": <seconds per case>,
     "cases": [{"id": "...", "original": "<path>", "fixed": "<path>", "call": "<function>",
                "arrays": true, "ordinary": [[args...], ...], "extreme": [[args...], ...]}]}

and writes one JSON line per case to standard output with every result in a neutral form (see
`describe`), so that the test compares Python and JavaScript results with the same code. One
process serves every case, so that importing torch is paid once.

Only the files named by the cases are executed, each loaded under a private module name; nothing
else from the fixture folders is imported. Output that the fixtures themselves print goes to
standard error, so that it cannot corrupt the results.
"""

import importlib.util
import json
import math
import os
import signal
import sys
import traceback
import warnings

PROTOCOL = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr

import numpy as np  # noqa: E402  (imported after the output is redirected)

try:
    import torch  # noqa: E402
except ImportError:  # The cases that need torch report the missing module themselves.
    torch = None


class CaseTimeout(Exception):
    """Raised by the alarm when one case runs longer than its budget."""


def on_alarm(_signum, _frame):
    raise CaseTimeout()


signal.signal(signal.SIGALRM, on_alarm)


def load_module(path, root, private_name):
    """Executes one fixture file as a module that nothing else can import by name."""
    real = os.path.realpath(path)
    if os.path.commonpath([real, os.path.realpath(root)]) != os.path.realpath(root):
        raise ValueError(f"{path} lies outside {root}; only fixtures are executed")
    spec = importlib.util.spec_from_file_location(private_name, real)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as a module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def convert_argument(value, arrays):
    """A JSON argument as the function receives it (see the sidecar format in the test)."""
    if isinstance(value, dict):
        if set(value) == {"torch"}:
            if torch is None:
                raise ImportError("torch is not installed for /usr/bin/python3")
            return torch.tensor(value["torch"], dtype=torch.float32)
        if set(value) == {"np32"}:
            return np.asarray(value["np32"], dtype=np.float32)
        if set(value) == {"np64"}:
            return np.asarray(value["np64"], dtype=np.float64)
        raise ValueError(f"unknown argument form {sorted(value)}")
    if arrays and isinstance(value, (list, int, float)) and not isinstance(value, bool):
        return np.asarray(value, dtype=np.float64)
    return value


def number(value):
    """A float as JSON can carry it: NaN and the infinities become strings."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def describe(result):
    """A result in the neutral form: arrays with shape and values, tuples of them, or None."""
    if torch is not None and isinstance(result, torch.Tensor):
        result = result.detach().cpu().double().numpy()
    if isinstance(result, (tuple, list)) and not all(
        isinstance(item, (int, float)) for item in result
    ):
        return {"kind": "tuple", "items": [describe(item) for item in result]}
    if result is None:
        return {"kind": "none"}
    try:
        array = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return {"kind": "other", "repr": repr(result)[:200]}
    return {
        "kind": "array",
        "shape": list(array.shape),
        "values": [number(item) for item in array.reshape(-1).tolist()],
    }


def call(module, name, args, arrays):
    function = getattr(module, name, None)
    if not callable(function):
        return {"error": f"defines no function {name}()", "missing": True}
    try:
        converted = [convert_argument(arg, arrays) for arg in args]
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return {"value": describe(function(*converted))}
    except CaseTimeout:
        raise
    except Exception as error:  # The test decides whether an exception is acceptable here.
        return {"error": f"{type(error).__name__}: {error}"}


def run_case(case, root, index):
    original = load_module(case["original"], root, f"_nanguard_numeric_{index}_original")
    fixed = load_module(case["fixed"], root, f"_nanguard_numeric_{index}_fixed")
    arrays = bool(case.get("arrays", True))
    results = {}
    for kind in ("ordinary", "extreme"):
        results[kind] = [
            {
                "original": call(original, case["call"], args, arrays),
                "fixed": call(fixed, case["call"], args, arrays),
            }
            for args in case.get(kind, [])
        ]
    return results


def main():
    request = json.load(sys.stdin)
    timeout = float(request.get("timeout", 60))
    for index, case in enumerate(request["cases"]):
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            outcome = {"id": case["id"], "results": run_case(case, request["root"], index)}
        except CaseTimeout:
            outcome = {"id": case["id"], "error": f"timed out after {timeout:g} s"}
        except BaseException as error:  # A broken fixture must not stop the other cases.
            detail = traceback.format_exception_only(type(error), error)[-1].strip()
            outcome = {"id": case["id"], "error": f"could not run: {detail}"}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        PROTOCOL.write(json.dumps(outcome) + "\n")
        PROTOCOL.flush()


if __name__ == "__main__":
    main()
