"""Runs case scripts (the real-world hazards' minimal inputs, before and after their fixes) in one
interpreter, so that torch is imported once. Prints, as JSON, each script's standard output and the
exception it raised, if any. Warnings are silenced: NumPy's overflow warnings are expected here.
"""
import contextlib, io, json, runpy, sys, warnings
results = {}
for path in sys.argv[1:]:
    out = io.StringIO()
    error = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with contextlib.redirect_stdout(out):
                runpy.run_path(path, run_name="__main__")
        except BaseException as exc:  # noqa: BLE001 - report every failure of a case script
            error = f"{type(exc).__name__}: {exc}"
    results[path] = {"stdout": out.getvalue(), "error": error}
print(json.dumps(results))
