"""A pass/fail tally for the scripts that check a running system (scripts/rehearse_check.py,
scripts/browser_test.py): one `ok`/`FAIL` line per check, counted."""

from typing import Any, Callable


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, condition: bool, detail: str = "") -> bool:
        if condition:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}{': ' + detail if detail else ''}")
        return condition

    def attempt(self, name: str, probe: Callable[[], Any]) -> Any:
        """Runs a call that must succeed; a failure is a failed check, not a crash."""
        try:
            result = probe()
        except Exception as e:  # noqa: BLE001 - any error fails this one check
            self.check(name, False, f"{type(e).__name__}: {e}")
            return None
        self.check(name, True)
        return result
