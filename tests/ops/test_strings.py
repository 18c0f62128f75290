"""``dnp.strings`` and ``dnp.char`` against NumPy: every function, its arguments drawn from one
table by parameter name (strings on the CPU; a GPU holds none)."""

import inspect

import numpy

from tests.conformance import case, conformance

WORDS = ["pear", "apple", "grapefruit", "Spam 1"]
OTHER = ["peach", "apple", "grape", "spam"]
# A value per parameter name (a function of xp for arrays); ufunc keywords are left out.
ARGS = {
    "a": lambda xp: xp.asarray(WORDS),
    "x": lambda xp: xp.asarray(WORDS),
    "x1": lambda xp: xp.asarray(WORDS),
    "x2": lambda xp: xp.asarray(OTHER),
    "a1": lambda xp: xp.asarray(WORDS),
    "a2": lambda xp: xp.asarray(OTHER),
    "seq": lambda xp: xp.asarray(WORDS),
    "sub": "p",
    "prefix": "pe",
    "suffix": "t",
    "chars": "ps",
    "old": "p",
    "new": "PP",
    "count": 1,
    "width": 12,
    "fillchar": "*",
    "sep": "-",
    "i": 2,
    "tabsize": 4,
    "start": 1,
    "stop": 4,
    "step": None,
    "end": 10,
    "cmp": "<",
    "rstrip": True,
    "keepends": False,
    "encoding": "utf-8",
    "errors": "strict",
    "deletechars": None,
}
SPECIAL = {  # functions whose first argument is not a word list
    "decode": lambda xp: (xp.asarray([w.encode() for w in WORDS]),),
    "mod": lambda xp: (xp.asarray(["%s!", "<%s>", "%s", "[%s]"]), xp.asarray(WORDS)),
    "translate": lambda xp: (xp.asarray(WORDS), str.maketrans("ae", "AE")),
    "join": lambda xp: ("-", xp.asarray(WORDS)),
    "index": lambda xp: (xp.asarray(["pear", "apple", "grape", "spam"]), "p"),
    "rindex": lambda xp: (xp.asarray(["pear", "apple", "grape", "spam"]), "p"),
}
UFUNC_KEYWORDS = {"out", "where", "casting", "order", "dtype", "subok", "signature"}


def call(module, name):
    def body(xp):
        fn = getattr(getattr(xp, module), name)
        if name in SPECIAL:
            return fn(*SPECIAL[name](xp))
        params = inspect.signature(getattr(getattr(numpy, module), name)).parameters
        args = []
        for p in params.values():
            if p.name in UFUNC_KEYWORDS or p.kind is p.VAR_KEYWORD:
                continue
            value = ARGS[p.name]
            args.append(value(xp) if callable(value) else value)
        return fn(*args)

    return body


def names(module):
    from dnp._ops.strings import ROWS

    return [op.name.partition(".")[2] for op in ROWS if op.name.startswith(module + ".")]


CASES = [
    case(f"{module}.{name}", call(module, name), id=f"{module}-{name}")
    for module in ("strings", "char")
    for name in names(module)
]
CASES += [
    case("strings.add", lambda xp: xp.strings.add(xp.asarray(WORDS), "!"), id="strings-add-scalar"),
    case(
        "strings.upper", lambda xp: xp.strings.upper(xp.asarray([b"ab", b"c"])), id="strings-bytes"
    ),
    case(
        "strings.index",
        lambda xp: xp.strings.index(xp.asarray(WORDS), "z"),
        id="strings-index-missing",
    ),
    case("strings.upper", lambda xp: xp.strings.upper(xp.asarray([1.5])), id="strings-not-strings"),
    case(
        "strings.str_len",
        lambda xp: xp.strings.str_len(xp.asarray([["a", "bb"], ["", "ccc"]])),
        id="strings-2d",
    ),
]
test_conformance = conformance(CASES)
