"""Parses the Swift and Kotlin sources that cannot be compiled on these machines (no Xcode, no
Android SDK) with tree-sitter's grammars, so a syntax error fails the tests: the uniffi-generated
Swift bindings, the Swift package manifest, the iOS sample and transport, and the Android sample
and transport. Compilation itself happens on a Mac / with the Android SDK (README, mobile/)."""
import pathlib
import re
import sys

import tree_sitter_kotlin
import tree_sitter_swift
from tree_sitter import Language, Parser

ROOT = pathlib.Path(__file__).resolve().parents[2]
LANGUAGES = {
    ".swift": Language(tree_sitter_swift.language()),
    ".kt": Language(tree_sitter_kotlin.language()),
    ".kts": Language(tree_sitter_kotlin.language()),
}


# Known gaps of tree-sitter-swift 0.7 on valid Swift, neutralised without moving any byte:
# - compiler-control lines (#if/#else/#endif) inside declarations, e.g. around uniffi's
#   `@_documentation` attribute (alex-pinkus/tree-sitter-swift issues #298, #514): the lines are
#   blanked, so both branches are still parsed;
# - a closure whose body is the empty tuple, `{ () }` (uniffi's writeReturn):
#   its `()` becomes `[]`, an expression of the same length the grammar reads.
DIRECTIVE = re.compile(rb"^[ \t]*#(if|elseif|else|endif)\b[^\n]*$", re.M)
EMPTY_TUPLE_CLOSURE = re.compile(rb"\{ \(\) \}")


def neutralise(path: pathlib.Path, source: bytes) -> bytes:
    if path.suffix != ".swift":
        return source
    source = DIRECTIVE.sub(lambda m: b" " * len(m.group(0)), source)
    return EMPTY_TUPLE_CLOSURE.sub(b"{ [] }", source)


def problems(path: pathlib.Path):
    """Every ERROR or MISSING node, as `file:line:col: text`."""
    source = neutralise(path, path.read_bytes())
    tree = Parser(LANGUAGES[path.suffix]).parse(source)
    found, stack = [], [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            row, col = node.start_point
            snippet = source[node.start_byte:node.end_byte][:60].decode("utf-8", "replace")
            kind = "missing " + node.type if node.is_missing else "syntax error"
            found.append(f"{path.relative_to(ROOT)}:{row + 1}:{col + 1}: {kind}: {snippet!r}")
        elif node.has_error:
            stack.extend(node.children)
    return found


def main():
    files = sorted(
        [*ROOT.glob("examples/ios/*.swift"), *ROOT.glob("examples/android/*.kt"),
         *ROOT.glob("mobile/swift/Tests/*/*.swift"),
         ROOT / "mobile/swift/Package.swift", *ROOT.glob("mobile/android/*.kts"),
         *ROOT.glob("target/uniffi/swift/*.swift")])
    # (The generated Kotlin is compiled for real by run-kotlin.sh, so it is not listed here.)
    if not any(f.match("target/uniffi/swift/mynacard_mobile.swift") for f in files):
        sys.exit("generated Swift bindings missing: run mobile/tests/run-python.sh first")
    # The check must be able to fail: a broken snippet in each language has to be caught.
    broken = {".swift": b"func f( {", ".kt": b"fun f( {"}
    for suffix, text in broken.items():
        if not Parser(LANGUAGES[suffix]).parse(text).root_node.has_error:
            sys.exit(f"the {suffix} grammar accepted a broken snippet")
    failures = [p for f in files for p in problems(f)]
    for f in files:
        print(f"parsed {f.relative_to(ROOT)}")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print(f"{len(files)} Swift/Kotlin files parse cleanly")


main()
