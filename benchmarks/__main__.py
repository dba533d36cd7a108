"""`make bench`: run every benchmark module in this package and print its figures (`make bench ARGS=compliance`,
or `python -m benchmarks compliance kanban`: only those modules).

Each module exposes ``run() -> list[tuple[str, str]]`` (a label and a formatted figure). Benchmarks run
against a throw-away SQLite database (or DATABASE_URL's server, in a database of their own).
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio_crm.settings")


def main() -> None:
    import django
    from django.test.utils import get_runner, setup_test_environment

    django.setup()
    setup_test_environment()
    from django.conf import settings

    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        package = Path(__file__).resolve().parent
        modules = [m for m in pkgutil.iter_modules([str(package)]) if not m.name.startswith("_")]
        if chosen := sys.argv[1:]:
            unknown = set(chosen) - {m.name for m in modules}
            if unknown:
                raise SystemExit(f"no benchmark module {', '.join(sorted(unknown))}")
            modules = [m for m in modules if m.name in chosen]
        for module_info in sorted(modules, key=lambda m: m.name):
            module = importlib.import_module(f"benchmarks.{module_info.name}")
            if not hasattr(module, "run"):  # a command of its own (scale: `make bench-scale`)
                continue
            print(f"\n== {module_info.name} ==")
            for label, figure in module.run():
                print(f"{label:<66} {figure}")
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
