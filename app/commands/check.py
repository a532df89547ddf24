"""`scenarist check FILE...`: validate blueprints and report which modules are not implemented.

The validation is `scenarist run`'s own (`engine.loading.check_blueprint`): structure, values
nothing can store, and every mapping compiled. Each problem is printed once, on stderr.

Exit codes, as `run`'s: 0 every file is valid (whatever it uses), 2 some file is invalid or
the arguments are bad.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from engine.coverage import CoverageReport, ModuleRef, coverage, module_uses, unsupported
from engine.errors import BlueprintError
from engine.loading import check_blueprint
from engine.registry import Registry, default_registry

# Below this many files progress would only flicker.
_PROGRESS_FROM = 10


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help="validate blueprints and list the modules not implemented yet",
        description="Validate blueprint files (or every *.json in a folder), list per file "
        "the module types Scenarist does not implement yet, then a coverage table.",
    )
    parser.add_argument("paths", nargs="+", metavar="FILE", help="blueprint files or folders")
    parser.add_argument("-r", "--recursive", action="store_true",
                        help="also look in sub-folders of the folders given")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    return parser


@dataclass
class FileResult:
    file: str
    problems: list[BlueprintError] = field(default_factory=list)
    warnings: list[BlueprintError] = field(default_factory=list)
    uses: dict[str, list[ModuleRef]] = field(default_factory=dict)
    missing: dict[str, list[ModuleRef]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "valid": self.valid}
        if self.problems:
            out["error"] = _located(self.problems[0])  # the first, as before "problems"
            out["problems"] = [_located(p) for p in self.problems]
        else:
            out["modules"] = sum(len(refs) for refs in self.uses.values())
            out["unsupported"] = self.missing
        out["warnings"] = [_located(w) for w in self.warnings]
        return out


def _located(item: BlueprintError) -> dict[str, Any]:
    return {"message": item.message, "module_id": item.module_id, "path": item.path}


def run(args: argparse.Namespace) -> int:
    files, problem = _collect(args.paths, recursive=args.recursive)
    if problem:
        print(f"scenarist check: {problem}", file=sys.stderr)
        return 2
    registry = _with_apps(default_registry(), args)
    results = [
        _check_file(path, registry)
        for path in _with_progress(files, sys.stderr)
    ]
    for result in results:
        for found in result.problems:
            print(found.describe(), file=sys.stderr)
    report = coverage((r.uses for r in results if r.valid), registry)
    if args.json:
        payload = {"files": [r.to_json() for r in results], "coverage": report.to_json()}
        print(json.dumps(payload, indent=2))
    else:
        _print_text(results, report, sys.stdout)
    return 0 if all(r.valid for r in results) else 2


def _with_apps(builtins: Registry, args: argparse.Namespace) -> Registry:
    """The built-ins plus every app `run` would find (shipped connectors, the workspace's
    apps, installed packages), so the coverage counts what runs."""
    from engine.apps import discover_apps, register_apps
    from engine.store.workspace import resolve_workspace

    registry = Registry(builtins.all())
    register_apps(registry, discover_apps(resolve_workspace(getattr(args, "data_dir", None))))
    return registry


def _collect(paths: list[str], *, recursive: bool) -> tuple[list[Path], str | None]:
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(path.rglob("*.json") if recursive else path.glob("*.json"))
            found = [p for p in found if p.is_file()]
            if not found:
                return [], f"{name}: no *.json files in this folder"
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            return [], f"{name}: no such file or folder"
    return files, None


def _check_file(path: Path, registry: Registry) -> FileResult:
    checked = check_blueprint(path, registry)
    result = FileResult(str(path), problems=checked.problems, warnings=checked.warnings)
    if checked.blueprint is not None and checked.valid:
        result.uses = module_uses(checked.blueprint)
        result.missing = unsupported(result.uses, registry)
    return result


def _with_progress(files: list[Path], stream: TextIO) -> Any:
    show = len(files) >= _PROGRESS_FROM and stream.isatty()
    for done, path in enumerate(files):
        if show:
            stream.write(f"\rchecking {done + 1}/{len(files)} ")
            stream.flush()
        yield path
    if show:
        stream.write("\r\x1b[K")
        stream.flush()


def _where(item: BlueprintError) -> str:
    parts = ([f"module {item.module_id}"] if item.module_id is not None else []) + (
        [item.path] if item.path else [])
    return ": ".join(parts) + ": " if parts else ""


def _refs(refs: list[ModuleRef]) -> str:
    label = "module" if len(refs) == 1 else "modules"
    return f"{label} {', '.join(str(r) for r in refs)}"


def _print_text(results: list[FileResult], report: CoverageReport, out: TextIO) -> None:
    for result in results:
        if result.problems:  # the problems themselves went to stderr, once each
            n = len(result.problems)
            out.write(f"{result.file}: INVALID, {n} problem{'s' if n > 1 else ''}\n")
            continue
        count = sum(len(refs) for refs in result.uses.values())
        if not result.missing:
            out.write(f"{result.file}: ok, {count} modules, all implemented\n")
        else:
            out.write(f"{result.file}: ok, {count} modules, "
                      f"{len(result.missing)} module types not implemented yet:\n")
            for name, refs in result.missing.items():
                out.write(f"  {name} ({_refs(refs)})\n")
        for warning in result.warnings:
            out.write(f"  warning: {_where(warning)}{warning.message}\n")

    valid = sum(1 for r in results if r.valid)
    summary = f"{len(results)} files checked: {valid} valid, {len(results) - valid} invalid\n"
    if not report.rows:
        out.write(f"\n{summary}")
        return
    width = max(len("Module type"), *(len(row.module) for row in report.rows))
    out.write(f"\n{'Module type':<{width}}  Files   Uses  Supported\n")
    for row in report.rows:
        out.write(f"{row.module:<{width}}  {row.files:>5}  {row.uses:>5}  "
                  f"{'yes' if row.supported else 'no'}\n")
    out.write(
        f"\nTotal: {len(report.rows)} module types ({report.supported_types} supported), "
        f"{report.total_uses} module uses, {report.supported_uses} supported "
        f"({report.percent_supported:.1f}%)\n{summary}"
    )
