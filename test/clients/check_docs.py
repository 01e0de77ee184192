#!/usr/bin/env python3
"""docs/CLIENTS.md shows exactly the code the client tests run.

Each code block in the guide preceded by `<!-- snippet: PATH NAME -->` must
equal (after removing common indentation) the region of PATH between the
comment lines `--- guide: NAME` and `--- end`; and every such region in
test/clients/ must be shown in the guide.  Prints "ok docs snippets (N)".
"""
import pathlib
import re
import sys
import textwrap

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2])
doc_path = root / "docs" / "CLIENTS.md"
failures = []
if not doc_path.exists():
    print(f"FAIL docs snippets: {doc_path} is missing")
    sys.exit(1)
doc = doc_path.read_text()
blocks = re.findall(r"<!-- snippet: (\S+) (\S+) -->\n```[\w-]*\n(.*?)```", doc, re.S)
MARK = r"^[ \t]*(?:#|//|/\*|;|--) --- {}(?: \*/)?[ \t]*\n"

regions = {}
for src in sorted((root / "test" / "clients").iterdir()):
    if src.suffix not in (".py", ".js", ".java", ".c", ".ini", ".sql"):
        continue
    text = src.read_text()
    rel = str(src.relative_to(root))
    for m in re.finditer(MARK.format(r"guide: (\S+?)"), text, re.M):
        end = re.compile(MARK.format("end"), re.M).search(text, m.end())
        if not end:
            failures.append(f"{rel}: region {m.group(1)} has no '--- end'")
            continue
        regions[(rel, m.group(1))] = textwrap.dedent(text[m.end():end.start()])

shown = set()
for path, name, code in blocks:
    shown.add((path, name))
    want = regions.get((path, name))
    if want is None:
        failures.append(f"docs/CLIENTS.md shows {path} {name}, which has no such region")
    elif textwrap.dedent(code) != want:
        failures.append(f"docs/CLIENTS.md snippet {path} {name} differs from the test:\n--- test\n{want}--- doc\n"
                        f"{textwrap.dedent(code)}")
for key in sorted(set(regions) - shown):
    failures.append(f"{key[0]} region {key[1]} is not shown in docs/CLIENTS.md")
if failures:
    print("FAIL docs snippets:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"ok docs snippets ({len(blocks)})")
