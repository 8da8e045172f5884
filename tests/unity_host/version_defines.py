"""Prints the defines an asmdef's versionDefines give for one package version, `;`-separated,
as Unity computes them, so that build.sh compiles the package's test assembly against each
modelled Test Framework with exactly what the asmdef would turn on there (a define that turns
on a call the version does not have fails that build).

Expressions (Unity manual, "Assembly definition files: Version Defines"): `x` is x <= version,
`[x]` exactly x, `[x,y]`, `(x,y)`, `[x,y)`, `(x,y]` ranges with inclusive `[]` and exclusive
`()` ends, an empty end unbounded.

Usage: python3 version_defines.py ASMDEF PACKAGE VERSION
"""
import json
import sys


def parse(version):
    """(major, minor, patch): `1.4` is 1.4.0; a pre-release tag is left out."""
    parts = [int(part) for part in version.split("-")[0].split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def matches(expression, version):
    expression = expression.strip()
    v = parse(version)
    if not expression:
        return True
    if expression[0] not in "[(":
        return parse(expression) <= v
    if expression[-1] not in "])":
        raise ValueError("bad versionDefines expression %r" % expression)
    inner = expression[1:-1]
    if "," not in inner:
        return parse(inner) == v
    low, high = (part.strip() for part in inner.split(",", 1))
    if low and not (parse(low) <= v if expression[0] == "[" else parse(low) < v):
        return False
    if high and not (v <= parse(high) if expression[-1] == "]" else v < parse(high)):
        return False
    return True


def main(asmdef, package, version):
    with open(asmdef) as f:
        entries = json.load(f).get("versionDefines", [])
    defines = [e["define"] for e in entries if e["name"] == package and matches(e["expression"], version)]
    print(";".join(defines))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
