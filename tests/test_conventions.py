"""The conventions every app follows, checked over the source so a new app can't drift from them."""

from __future__ import annotations

import ast
from pathlib import Path

from ipops.errors import CoreErrorCode, ErrorCode
from ipops.platform import platform_apps

ROOT = Path(__file__).resolve().parent.parent


def _sources() -> list[Path]:
    packages = ["ipops", *(app.name for app in platform_apps())]
    return [
        path
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _free_string_codes(tree: ast.AST) -> list[int]:
    """Lines where an error code is written as a bare string instead of an `ErrorCode` member."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if any(k.arg == "code" and _is_text(k.value) for k in node.keywords):
                lines.append(node.lineno)
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "add" and len(node.args) >= 3:
                if _is_text(node.args[1]):  # FieldErrors.add(field, code, detail)
                    lines.append(node.lineno)
        elif isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets) and _is_text(node.value):
                lines.append(node.lineno)
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name) and node.target.id == "code" and _is_text(node.value):
                lines.append(node.lineno)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if _is_text(key) and key.value == "code" and _is_text(value):  # type: ignore[union-attr]
                    lines.append(node.lineno)
    return lines


def test_every_error_code_is_an_enum_member():
    """Codes are listed once per app (`<App>ErrorCode`, Saleor's error_codes.py), never typed inline."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _sources()
        for line in _free_string_codes(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_apps_do_not_redeclare_the_shared_codes():
    shared = {member.value for member in CoreErrorCode}
    clashes = {
        f"{enum.__name__}.{member.name}"
        for enum in _all_subclasses(ErrorCode)
        if enum is not CoreErrorCode
        for member in enum
        if member.value in shared
    }
    assert clashes == set()


def _all_subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_all_subclasses(sub)]
    return out


def test_no_dead_code():
    """No function, class, method or property that nothing calls (vulture; settings in pyproject.toml)."""
    import tomllib

    import vulture

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["vulture"]
    scanner = vulture.Vulture(
        ignore_names=config["ignore_names"], ignore_decorators=config["ignore_decorators"]
    )
    scanner.scavenge([*(str(p) for p in _sources()), str(ROOT / "vulture_whitelist.py")])
    dead = [
        f"{Path(item.filename).relative_to(ROOT)}:{item.first_lineno} {item.typ} {item.name}"
        for item in scanner.get_unused_code()
        if item.typ in ("function", "class", "method", "property")
    ]
    assert dead == []
