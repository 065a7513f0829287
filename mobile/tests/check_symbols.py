"""Issue 23.7: the iOS and Android samples cannot be compiled here (no Xcode, no Android SDK),
so a renamed or re-shaped binding would break them unseen. This reads the generated bindings
(target/uniffi/{kotlin,swift}) and checks every SDK identifier the samples use against them:
imports, top-level functions (with their arity, and in Swift their argument labels), the
session's methods called on a session variable, the fields read from a session call's result,
and the error cases the samples destructure. A negative control proves each check can fail.
Run by mobile/tests/run-python.sh after the bindings are generated."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
KOTLIN = ROOT / "target/uniffi/kotlin/uniffi/mynacard_mobile/mynacard_mobile.kt"
SWIFT = ROOT / "target/uniffi/swift/mynacard_mobile.swift"


def args_at(text, open_paren):
    """The top-level arguments of the call whose `(` is at `open_paren`, as stripped strings."""
    depth, start, out, i, quote = 0, open_paren + 1, [], open_paren, None
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c == '"':
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                out.append(text[start:i])
                break
        elif c == "," and depth == 1:
            out.append(text[start:i])
            start = i + 1
        i += 1
    out = [a.strip() for a in out]
    return [] if out == [""] else out


def block(source, opener):
    """The body of the declaration that starts with `opener` (up to its closing brace)."""
    start = source.index(opener)
    depth, i = 0, source.index("{", start)
    for j in range(i, len(source)):
        depth += {"{": 1, "}": -1}.get(source[j], 0)
        if depth == 0:
            return source[i:j]
    raise ValueError(opener)


class Api:
    """What one language's bindings declare: the session's methods and top-level functions
    (name → parameter names), record fields per type, method return types, error cases."""

    def __init__(self, methods, functions, types, fields, returns, cases):
        self.methods, self.functions, self.types = methods, functions, types
        self.fields, self.returns, self.cases = fields, returns, cases


def uncommented(source):
    """`source` without its comments (doc comments name parameters in backticks too)."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    source = re.sub(r"(?m)^\s*//.*$", "", source)
    return re.sub(r"(?m)\s//[^\"\n]*$", "", source)  # a trailing comment with no quote in it


def kotlin_api(source):
    source = uncommented(source)
    params = lambda s: re.findall(r"`(\w+)`\s*:", s)  # noqa: E731
    body = block(source, "public interface MynaSessionInterface")
    methods, returns = {}, {}
    for m in re.finditer(r"fun `(\w+)`\(([^)]*)\)\s*(?::\s*([\w.<>?]+))?", body):
        methods[m.group(1)] = params(m.group(2))
        returns[m.group(1)] = (m.group(3) or "").rstrip("?")
    # Top-level functions: those that call the library's `fn_func_` symbols (uniffi indents
    # them like methods).
    camel = lambda n: re.sub(r"_(\w)", lambda c: c.group(1).upper(), n)  # noqa: E731
    top = {camel(n) for n in re.findall(r"uniffi_mynacard_mobile_fn_func_(\w+)\(", source)}
    functions = {m.group(1): params(m.group(2))
                 for m in re.finditer(r"fun `(\w+)`\(([^)]*)\)", source) if m.group(1) in top}
    types = set(re.findall(r"(?m)^(?:public |open |data |sealed |enum )*(?:class|interface|object) (\w+)", source))
    fields = {}
    for m in re.finditer(r"(?m)^data class (\w+) \(", source):
        fields[m.group(1)] = params(source[m.end():re.compile(r"\n\)").search(source, m.end()).start()])
    cases = {}
    for m in re.finditer(r"(?m)^sealed class (\w+)", source):
        for c in re.finditer(r"class (\w+)\(([^)]*)\)", block(source, m.group(0))):
            cases[f"{m.group(1)}.{c.group(1)}"] = re.findall(r"val `(\w+)`", c.group(2))
    return Api(methods, functions, types, fields, returns, cases)


def swift_api(source):
    source = uncommented(source)
    labels = lambda s: re.findall(r"(\w+)\s*:", s)  # noqa: E731
    body = block(source, "public protocol MynaSessionProtocol")
    methods, returns = {}, {}
    for m in re.finditer(r"func (\w+)\(([^)]*)\)[^\n]*?(?:->\s*([\w\[\]?]+))?\s*$", body, re.M):
        methods[m.group(1)] = labels(m.group(2))
        returns[m.group(1)] = (m.group(3) or "").rstrip("?")
    functions = {m.group(1): labels(m.group(2))
                 for m in re.finditer(r"(?m)^public func (\w+)\(([^)]*)\)", source)
                 if not m.group(1).startswith(("FfiConverter", "uniffi"))}
    types = set(re.findall(r"(?m)^(?:public |open )*(?:struct|class|enum|protocol) (\w+)", source))
    fields = {}
    for m in re.finditer(r"(?m)^public struct (\w+)", source):
        fields[m.group(1)] = re.findall(r"(?m)^    public (?:var|let) (\w+):", block(source, m.group(0)))
    cases = {}
    for m in re.finditer(r"(?m)^(?:public )?enum (\w+)\b[^{\n]*", source):
        for c in re.finditer(r"case (\w+)(?:\(([^)]*)\))?", block(source, m.group(0))):
            cases[f"{m.group(1)}.{c.group(1)}"] = labels(c.group(2) or "")
    return Api(methods, functions, types, fields, returns, cases)


def check(text, api, lang, where):
    """Every problem of one sample source against `api`, as `where: message`."""
    problems = []
    if lang == "kotlin":
        for name in re.findall(r"import uniffi\.mynacard_mobile\.(\w+)", text):
            if name not in api.types and name not in api.functions:
                problems.append(f"imports {name}, which the bindings do not declare")
        sessions = set(re.findall(r"(\w+): MynaSession\b", text))
        sessions |= set(re.findall(r"val (\w+) = (?:connect|connectBlocking)\(", text))
    else:
        sessions = set(re.findall(r"(\w+): MynaSession\b", text))
        sessions |= set(re.findall(r"let (\w+) = try await (?:connect|connectBlocking)\(", text))
    results = {}  # variable → the type a session call returned
    for m in re.finditer(r"(?:val|let) (\w+) = (?:try await )?(\w+)\.(\w+)\(", text):
        if m.group(2) in sessions and m.group(3) in api.returns:
            results[m.group(1)] = api.returns[m.group(3)]
    for m in re.finditer(r"(?<![\w.])(\w+)\.(\w+)\(", text):
        recv, name = m.group(1), m.group(2)
        if recv not in sessions:
            continue
        if name not in api.methods:
            problems.append(f"calls {recv}.{name}, which the session does not have")
            continue
        problems += compare(f"{recv}.{name}", args_at(text, m.end() - 1), api.methods[name], lang)
    for m in re.finditer(r"(?<![\w.])(\w+)\(", text):
        name = m.group(1)
        if name in api.functions and not text[:m.start()].rstrip().endswith("func"):
            problems += compare(name, args_at(text, m.end() - 1), api.functions[name], lang)
    for m in re.finditer(r"(?<![\w.])(\w+)\.(\w+)\b(?!\()", text):
        var, field = m.groups()
        if var in results and results[var] in api.fields and field not in api.fields[results[var]]:
            problems.append(f"reads {var}.{field}; {results[var]} has {api.fields[results[var]]}")
    for m in re.finditer(r"(MynaError|MynaException|TransceiveError|TransceiveException)\.(\w+)(\()?", text):
        case = f"{m.group(1)}.{m.group(2)}"
        if case not in api.cases:
            problems.append(f"uses {case}, which the bindings do not declare")
        elif lang == "swift" and m.group(3):
            got = args_at(text, m.end() - 1)
            if len(got) != len(api.cases[case]):
                problems.append(f"destructures {case} with {len(got)} values; it has {api.cases[case]}")
    return [f"{where}: {p}" for p in problems]


def compare(call, got, declared, lang):
    """Kotlin: the argument count (positional); Swift: the argument labels, in order."""
    if lang == "kotlin":
        if len(got) != len(declared):
            return [f"calls {call} with {len(got)} arguments; it takes {declared}"]
        return []
    labels = [a.split(":", 1)[0].strip() if re.match(r"^\w+\s*:", a) else "_" for a in got]
    if labels != declared:
        return [f"calls {call}({', '.join(l + ':' for l in labels)}); it is {call.split('.')[-1]}"
                f"({', '.join(d + ':' for d in declared)})"]
    return []


def main():
    for path in (KOTLIN, SWIFT):
        if not path.exists():
            sys.exit(f"{path.relative_to(ROOT)} missing: generate the bindings first")
    apis = {"kotlin": kotlin_api(KOTLIN.read_text()), "swift": swift_api(SWIFT.read_text())}
    for lang, api in apis.items():
        # The bindings were really read: the calls every sample makes are there.
        for name in ("authenticate", "readFourInfo", "pinTries"):
            assert name in api.methods, (lang, name, sorted(api.methods))
        assert "connect" in api.functions and "FourInfo" in api.fields, lang
    samples = {"kotlin": sorted(ROOT.glob("examples/android/*.kt")),
               "swift": sorted([*ROOT.glob("examples/ios/*.swift"),
                          *ROOT.glob("mobile/swift/Tests/*/*.swift")])}
    problems, uses = [], 0
    for lang, files in samples.items():
        for f in files:
            text = uncommented(f.read_text())
            problems += check(text, apis[lang], lang, str(f.relative_to(ROOT)))
            uses += len(re.findall(r"\b(?:session|card)\.\w+\(", text))
    # Negative controls: a renamed method, a changed arity or label, a missing field, a
    # missing import and a wrong error shape are each caught.
    controls = {
        "kotlin": ("import uniffi.mynacard_mobile.FourInfos\n"
                   "suspend fun f(session: MynaSession) { session.readFourInfoX(\"1234\");"
                   " session.authenticate(\"1234\"); val info = session.readFourInfo(\"1\");"
                   " info.nam }", 4),
        "swift": ("let card = try await connect(tansport: t)\n"
                  "let i = try await card.readFourInfo(pn: p)\n_ = i.nam\n"
                  "try await card.authenticat(pin: p, challenge: c)\n"
                  "catch let MynaError.Failed(code, messageJa) {}", 5),
    }
    for lang, (text, want) in controls.items():
        found = check(text, apis[lang], lang, "control")
        if len(found) != want:
            sys.exit(f"the {lang} symbol check missed a broken sample: {found}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"samples' SDK symbols match the generated bindings ({uses} session calls checked)")


if __name__ == "__main__":
    main()
