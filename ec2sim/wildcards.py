"""Linear-time wildcard matching: ``*`` and ``?`` without backtracking.

Every user-supplied wildcard (policy Action/Resource elements, StringLike/ArnLike values, EC2
filter values) is matched here, never by ``re``: a backtracking regex turns a pattern such as
``a*a*a*a*a*a*ab`` into seconds of CPU per request, and policies are evaluated under the store
lock. A pattern is a sequence of tokens: literal text (``str``) and four wildcards (``int``):
``ANY`` (any run of characters), ``SEG`` (any run without ``:``), ``ONE`` (any one character),
``ONE_SEG`` (any one character but ``:``). Callers decide how their syntax maps onto tokens and
handle case-insensitivity themselves (lower-cased pattern and subject).

Matching takes O(len(pattern) · len(subject)) steps at worst, and usually a handful of ``str``
calls (patterns are compiled once, `compile_tokens`):
- no wildcard: string equality; ``p*``, ``*s``, ``*m*``, ``*``: one ``str`` method call;
- chunks of literals, ``?`` and colon-bounded stars separated by ``*``: each chunk at its
  leftmost match, which is exact for ``*`` (`_Greedy`, `_star_matcher` when chunks are plain);
- anything else, or a subject on which the greedy search keeps failing: a bit-parallel NFA
  simulation over the subject positions 0..n, one Python int per step (`_Automaton`).
`compile_any` ORs several patterns with one set look-up for the exact ones and one
``startswith`` / ``endswith`` call for the ``p*`` / ``*s`` ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache, partial

ANY, SEG, ONE, ONE_SEG = range(4)
Token = str | int
Matcher = Callable[[str], bool]

_STARS = (ANY, SEG)
_SINGLES = (ONE, ONE_SEG)
_TEXT, _TO_COLON = 4, 5  # steps besides the tokens' own kinds: literal text, a SEG bound to a ':'
_TRIES = 32  # failed chunk starts the greedy matcher allows itself before using the automaton
_ONE_DIGIT = ord("1")
_FEW = 16  # occurrences worth one str.find each
_CACHED_TEXT = 1024  # the longest pattern text compile_tokens keeps compiled


def parse(pattern: str, *, escapes: bool = False) -> tuple[Token, ...]:
    """Tokens of a plain glob: ``*`` is ANY, ``?`` is ONE. With ``escapes``, a backslash makes
    the next character literal (a trailing backslash is itself literal)."""
    tokens: list[Token] = []
    text: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\" and escapes:
            text.append(next(chars, "\\"))
        elif char in "*?":
            if text:
                tokens.append("".join(text))
                text.clear()
            tokens.append(ANY if char == "*" else ONE)
        else:
            text.append(char)
    if text:
        tokens.append("".join(text))
    return tuple(tokens)


def normalize(tokens: Iterable[Token]) -> tuple[Token, ...]:
    """Merge adjacent literals and runs of stars (a run with an ANY is ANY, else SEG); drop
    empty literals. The result matches exactly the same subjects."""
    out: list[Token] = []
    for token in tokens:
        if type(token) is str:
            if not token:
                continue
            if out and type(out[-1]) is str:
                out[-1] += token
                continue
        elif token in _STARS and out and out[-1] in _STARS:
            out[-1] = ANY if ANY in (token, out[-1]) else SEG
            continue
        out.append(token)
    return tuple(out)


def compile_tokens(tokens: tuple[Token, ...]) -> Matcher:
    """A matcher for one pattern: ``matcher(subject)`` is True when the pattern matches all of
    ``subject``. Patterns of up to _CACHED_TEXT characters are cached, so those built per
    request (policy variables) compile once; a longer one (a variable holding a long request
    value) is compiled each time rather than kept."""
    if sum(len(token) for token in tokens if isinstance(token, str)) > _CACHED_TEXT:
        return _compile(tokens)
    return _compile_cached(tokens)


def _compile(tokens: tuple[Token, ...]) -> Matcher:
    tokens = normalize(tokens)
    text = _literal(tokens)
    if text is not None:
        return text.__eq__
    return _Greedy.of(tokens) or _Automaton(tokens).match


_compile_cached = lru_cache(maxsize=4096)(_compile)


def _literal(tokens: tuple[Token, ...]) -> str | None:
    """The text of a normalized pattern without wildcards (None if it has one)."""
    if not tokens:
        return ""
    return tokens[0] if len(tokens) == 1 and isinstance(tokens[0], str) else None


def always(subject: str) -> bool:
    """The matcher of ``*`` (a caller may test ``matcher is always`` to skip calling it)."""
    return True


def _never(subject: str) -> bool:
    return False


Step = tuple[int, str]  # (kind, literal text): ints compare faster than a str with an int


def _steps(tokens: Sequence[Token], following: str) -> list[Step]:
    """Tokens as steps (``following``: the text after them). A SEG right before a literal with a
    colon becomes (_TO_COLON, the literal's text before its colon): the SEG can't cross the
    colon and the literal's text before it has none, so the SEG can only end that many
    characters before the next colon (``arn:aws:iam::*:role/x``, ``us-*-1:``)."""
    steps = [(_TEXT, token) if isinstance(token, str) else (token, "") for token in tokens]
    for index, (kind, _) in enumerate(steps):
        after = steps[index + 1][1] if index + 1 < len(steps) else following
        if kind == SEG and ":" in after:
            steps[index] = (_TO_COLON, after[: after.index(":")])
    return steps


def _run(steps: Sequence[Step], subject: str, pos: int) -> int:
    """Where a chunk of deterministic steps (no ANY, no free SEG) ends from ``pos``, or -1."""
    for kind, text in steps:
        if kind == _TEXT:
            if not subject.startswith(text, pos):
                return -1
            pos += len(text)
        elif kind == _TO_COLON:
            end = subject.find(":", pos) - len(text)
            if end < pos:  # no colon, or too close
                return -1
            pos = end
        elif pos >= len(subject) or (kind == ONE_SEG and subject[pos] == ":"):
            return -1
        else:
            pos += 1
    return pos


Chunk = str | tuple[Step, ...]  # plain text, or steps for `_run`


class _Greedy:
    """Chunks of deterministic steps (literal, ``?``, a SEG bound to the next colon)
    separated by ANY, matched left to right: the first chunk at 0, the last (fixed length) at
    the end, each one between at its leftmost match. Leftmost is exact: where a chunk ends is
    a non-decreasing function of where it starts, and the ANY after it accepts every later
    position. A subject that makes more than _TRIES candidate starts fail (``?``-heavy chunks
    against repetitive text) is handed to the automaton, keeping the worst case linear.
    Plain-text chunks (most of them) are one ``startswith`` / ``find`` / ``endswith`` call."""

    __slots__ = ("_head", "_middles", "_min_len", "_tail", "_tail_len", "_tokens")

    def __init__(self, tokens: tuple[Token, ...], chunks: list[list[Step]]):
        self._head = _chunk(chunks[0])
        self._tail = _chunk(chunks[-1]) if len(chunks) > 1 else None
        self._tail_len = sum(len(text) or 1 for _, text in chunks[-1])
        self._middles = tuple((_chunk(chunk), *_anchor(chunk)) for chunk in chunks[1:-1])
        self._tokens, self._min_len = tokens, _min_len(tokens)

    @classmethod
    def of(cls, tokens: tuple[Token, ...]) -> Matcher | None:
        """The greedy matcher for ``tokens``, or None if a chunk isn't deterministic (a SEG
        not followed by ':') or the last chunk has no fixed length (a SEG in it)."""
        chunks: list[list[Step]] = [[]]
        for kind, text in _steps(tokens, ""):
            if kind == SEG:
                return None
            if kind == ANY:
                chunks.append([])
            else:
                chunks[-1].append((kind, text))
        if len(chunks) > 1 and any(kind == _TO_COLON for kind, _ in chunks[-1]):
            return None
        plain = [_chunk(chunk) for chunk in chunks]
        texts = [chunk for chunk in plain if isinstance(chunk, str)]
        if len(texts) == len(plain):
            return _star_matcher(texts)
        return cls(tokens, chunks).match

    def match(self, subject: str) -> bool:
        size = len(subject)
        if size < self._min_len:
            return False
        head = self._head
        if isinstance(head, str):
            if not subject.startswith(head):
                return False
            pos = len(head)
        else:
            pos = _run(head, subject, 0)
        if pos < 0 or self._tail is None:
            return pos == size
        tries = _TRIES
        for chunk, offset, anchor in self._middles:
            if isinstance(chunk, str):
                pos = subject.find(chunk, pos)
                if pos < 0:
                    return False
                pos += len(chunk)
                continue
            while True:
                if anchor:
                    start = subject.find(anchor, pos + offset) - offset
                    if start < pos:
                        return False
                elif pos >= size:
                    return False
                else:
                    start = pos
                end = _run(chunk, subject, start)
                if end >= 0:
                    break
                tries -= 1
                if not tries:  # rare: build the automaton only now
                    return _Automaton(self._tokens).match(subject)
                pos = start + 1
            pos = end
        start = size - self._tail_len
        if start < pos:
            return False
        tail = self._tail
        return subject.endswith(tail) if isinstance(tail, str) else _run(tail, subject, start) == size


def _chunk(steps: list[Step]) -> Chunk:
    if all(kind == _TEXT for kind, _ in steps):
        return "".join(text for _, text in steps)
    return tuple(steps)


def _star_matcher(texts: list[str]) -> Matcher:
    """The greedy matcher's fast path for literals separated by ANY (most wildcard patterns):
    the same algorithm with every chunk one ``str`` call, in a closure (about half the cost)."""
    head, *middles, tail = texts
    if not middles:
        if not tail:
            return (lambda subject: subject.startswith(head)) if head else always
        if not head:
            return lambda subject: subject.endswith(tail)
    elif len(middles) == 1 and not head and not tail:
        middle = middles[0]
        return lambda subject: middle in subject
    start, back, fixed = len(head), len(tail), len(head) + len(tail)
    if not tail:  # ``arn:aws:ec2:*:*:instance/*``: no end to keep clear

        def match_open(subject: str) -> bool:
            if not subject.startswith(head):
                return False
            pos = start
            for text in middles:
                pos = subject.find(text, pos)
                if pos < 0:
                    return False
                pos += len(text)
            return True

        return match_open

    def match(subject: str) -> bool:
        if len(subject) < fixed or not subject.startswith(head) or not subject.endswith(tail):
            return False
        pos, end = start, len(subject) - back
        for text in middles:
            pos = subject.find(text, pos, end)
            if pos < 0:
                return False
            pos += len(text)
        return True

    return match


def _anchor(chunk: list[Step]) -> tuple[int, str]:
    """The chunk's first literal and its offset, if only ``?`` steps come before it."""
    for offset, (kind, text) in enumerate(chunk):
        if kind == _TEXT:
            return offset, text
        if kind == _TO_COLON:
            break
    return 0, ""


def _min_len(tokens: Sequence[Token]) -> int:
    return sum(len(token) if isinstance(token, str) else token in _SINGLES for token in tokens)


class _Automaton:
    """Bit-parallel simulation of the pattern's NFA: for what `_Greedy` can't take (a SEG that
    may end anywhere in its segment, as in ``i-*abc``) and for its hard cases.

    Per token, with ``cur`` the set of reachable positions (bit p: ``subject[:p]`` matched):
    - literal t: positions where t occurs, intersected with ``cur``, shifted by len(t);
    - ONE: ``cur`` shifted by one (below n); ONE_SEG: likewise, only before non-':' characters;
    - ANY: every position from the lowest reachable one to n;
    - SEG: with R the non-':' characters and X = cur & R, ``cur | ((R + X) ^ R)``: the carry of
      the addition runs from each start in X through its run of non-':' characters and stops
      at the next ':' (or at n), so the XOR sets every position from the start to that colon.
    Each step is a few big-int operations (O(n / 30) machine words); see `_Occurrences` for
    the literals. While only one position is reachable (typical right after a literal), steps
    look at the subject in place instead, and a SEG followed by a literal with a colon jumps
    straight to the only place it can stop (`_steps`)."""

    __slots__ = ("_head", "_min_len", "_steps", "_tail")

    def __init__(self, tokens: tuple[Token, ...]):
        head = tokens[0] if isinstance(tokens[0], str) else ""
        tail = tokens[-1] if len(tokens) > 1 and isinstance(tokens[-1], str) else ""
        self._head, self._tail = head, tail
        self._steps = tuple(_steps(tokens[1 if head else 0 : len(tokens) - 1 if tail else len(tokens)], tail))
        self._min_len = _min_len(tokens)

    def match(self, subject: str) -> bool:
        head, tail = self._head, self._tail
        size = len(subject)
        if size < self._min_len or not subject.startswith(head) or not subject.endswith(tail):
            return False
        below_end = (1 << size) - 1  # positions 0..n-1: a character follows
        where: _Occurrences | None = None
        cur = 1 << len(head)
        for kind, text in self._steps:
            if kind == ANY:
                cur = ((below_end << 1) | 1) ^ ((cur & -cur) - 1)
                continue
            if kind == ONE:
                cur = (cur & below_end) << 1
            elif cur & (cur - 1) == 0:  # one reachable position
                pos = cur.bit_length() - 1
                if kind == _TEXT:
                    cur = cur << len(text) if subject.startswith(text, pos) else 0
                elif kind == _TO_COLON:
                    end = subject.find(":", pos) - len(text)
                    cur = 1 << end if end >= pos else 0
                else:
                    stop = subject.find(":", pos)
                    stop = size if stop < 0 else stop
                    if kind == SEG:
                        cur = (2 << stop) - cur  # positions pos..stop
                    else:
                        cur = cur << 1 if pos < stop else 0
            elif kind == _TEXT:
                mask = _few_occurrences(subject, text, (cur & -cur).bit_length() - 1)
                if mask is None:
                    where = where or _Occurrences(subject)
                    mask = where.of(text)
                cur = (cur & mask) << len(text)
            else:
                where = where or _Occurrences(subject)
                free = below_end ^ where.of(":")
                cur = (cur & free) << 1 if kind == ONE_SEG else cur | ((free + (cur & free)) ^ free)
            if not cur:
                return False
        return (cur >> (size - len(tail))) & 1 == 1


def _few_occurrences(subject: str, text: str, start: int) -> int | None:
    """Bitset of where ``text`` occurs from ``start`` on, or None if it is frequent there."""
    if subject.count(text, start) > _FEW:
        return None
    mask = 0
    pos = subject.find(text, start)
    while pos >= 0:
        mask |= 1 << pos
        pos = subject.find(text, pos + 1)
    return mask


class _Occurrences:
    """Where texts occur in one subject, as bitsets (bit p: the text starts at p), cached.

    A character's bitset is built in one pass (one ``str.find`` per occurrence, then ``int(…, 2)``
    on a numeral, which is linear); a longer text's is composed from its characters' (AND of
    each one shifted by its offset). So the Python work stays O(len(subject)) for all characters
    together plus O(len(text)) per text, however often texts occur."""

    __slots__ = ("_found", "_subject")

    def __init__(self, subject: str):
        self._subject = subject
        self._found: dict[str, int] = {}

    def of(self, text: str) -> int:
        mask = self._found.get(text)
        if mask is None:
            mask = self._found[text] = self._locate(text)
        return mask

    def _locate(self, text: str) -> int:
        if len(text) > 1:
            mask = -1
            for offset, char in enumerate(text):
                mask &= self.of(char) >> offset
            return mask
        subject = self._subject
        size = len(subject)
        digits = bytearray(b"0") * (size + 1)
        pos = subject.find(text)
        while pos >= 0:
            digits[size - pos] = _ONE_DIGIT
            pos = subject.find(text, pos + 1)
        return int(digits, 2)


def compile_any(patterns: Iterable[Sequence[Token]]) -> Matcher:
    """One matcher for several patterns ORed: exact texts in one set, ``prefix*`` and
    ``*suffix`` patterns in one ``startswith`` / ``endswith`` call each, the rest one matcher
    each; with a single kind of test, that test itself (no dispatch layer)."""
    exact: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    others: list[Matcher] = []
    for pattern in patterns:
        tokens = normalize(pattern)
        text = _literal(tokens)
        if text is not None:
            exact.add(text)
        elif tokens == (ANY,):
            return always
        elif len(tokens) == 2 and tokens[1] == ANY and isinstance(tokens[0], str):
            prefixes.append(tokens[0])
        elif len(tokens) == 2 and tokens[0] == ANY and isinstance(tokens[1], str):
            suffixes.append(tokens[1])
        else:
            others.append(compile_tokens(tokens))
    tests: list[Matcher] = [frozenset(exact).__contains__] if exact else []
    if prefixes:
        starts = tuple(prefixes)
        tests.append(lambda subject: subject.startswith(starts))
    if suffixes:
        ends = tuple(suffixes)
        tests.append(lambda subject: subject.endswith(ends))
    tests += others
    if len(tests) <= 1:
        return tests[0] if tests else _never
    if len(tests) == 2:
        first, second = tests
        return lambda subject: first(subject) or second(subject)
    return partial(_match_any, tuple(tests))


def _match_any(tests: tuple[Matcher, ...], subject: str) -> bool:
    for test in tests:  # a loop: cheaper than any() over a generator
        if test(subject):
            return True
    return False
