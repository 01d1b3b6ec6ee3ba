"""How many guesses a chosen passphrase would take, judged as an attacker would guess.

zxcvbn judges a passphrase of separate words as if each were random letters:
it gives "correct horse battery staple" 10^20 guesses and "monday tuesday
wednesday thursday friday" 10^26, where an attacker trying common words in
order needs far fewer. So a passphrase is judged by the smaller of two
estimates: zxcvbn's, and the product, over its words, of each word's rank in
the lists of common words and names zxcvbn carries (a word on none of them
counts as random letters; digits and symbols as such). Well-known phrases
and sequences (days, months, numbers, the radio alphabet, words in the
order of the EFF list) are refused outright: they are the first guesses of
anyone with the list.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable

from crypto.words import split_words, word_list

# Guessing each phrase first costs an attacker nothing: whole famous phrases,
# and the opening words of others, as letters only.
FAMOUS = (
    "correct horse battery staple",
    "the quick brown fox jumps over the lazy dog",
    "mary had a little lamb",
    "twinkle twinkle little star",
    "to be or not to be",
    "may the force be with you",
    "all work and no play",
    "i love you",
    "let me in",
    "humpty dumpty sat on a wall",
    "jack and jill went up the hill",
    "happy birthday to you",
    "god save the king",
    "god save the queen",
    "hickory dickory dock",
    "once upon a time",
)
SEQUENCES = (
    "monday tuesday wednesday thursday friday saturday sunday",
    "january february march april may june july august september october november december",
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty",
    "first second third fourth fifth sixth seventh eighth ninth tenth",
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
    "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu",
    "mercury venus earth mars jupiter saturn uranus neptune pluto",
    "red orange yellow green blue indigo violet",
    "do re mi fa so la ti",
    "spring summer autumn winter",
)
_RUN = 3  # this many consecutive words of a sequence is a sequence
_LIST_ORDER_SPAN = 100  # four or more list words within this many places, in order
_SYMBOLS = 33


def _letters(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.casefold())


@functools.cache
def _ranks() -> dict[str, int]:
    """Each word's best rank in zxcvbn's frequency lists (about 12 MB, loaded on first use)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    ranks: dict[str, int] = {}
    for words in FREQUENCY_LISTS.values():
        for rank, word in enumerate(words, start=1):
            if rank < ranks.get(word, rank + 1):
                ranks[word] = rank
    return ranks


@functools.cache
def _list_positions() -> dict[str, int]:
    return {word: place for place, word in enumerate(word_list())}


def _contains_run(words: list[str], sequence: list[str], run: int) -> bool:
    for start in range(len(words) - run + 1):
        window = words[start : start + run]
        for ordered in (sequence, sequence[::-1]):
            for at in range(len(ordered) - run + 1):
                if ordered[at : at + run] == window:
                    return True
    return False


def well_known(passphrase: str) -> bool:
    """True for a famous phrase, a run of a well-known sequence, or EFF words in list order."""
    words = _letters(passphrase)
    joined = " " + " ".join(words) + " "
    if any(" " + phrase + " " in joined for phrase in FAMOUS):
        return True
    if any(_contains_run(words, sequence.split(), _RUN) for sequence in SEQUENCES):
        return True
    positions = [_list_positions()[w] for w in split_words(passphrase) if w in _list_positions()]
    if len(positions) >= 4 and max(positions) - min(positions) <= _LIST_ORDER_SPAN:
        ascending = positions == sorted(positions)
        return ascending or positions == sorted(positions, reverse=True)
    return False


def _word_guesses(passphrase: str, user_inputs: Iterable[str]) -> float:
    """Guesses for someone trying common words, names, digits and symbols in turn."""
    own = {word.casefold() for word in user_inputs}
    ranks, seen, guesses = _ranks(), set[str](), 1.0
    for token in re.findall(r"[^\W\d_]+|\d+|[^\w\s]", passphrase.casefold()):
        if token in seen:  # a word again: the attacker tries the ones already used
            guesses *= len(seen) + 1
        elif token.isdigit():
            guesses *= 10 ** len(token)
        elif token.isalpha():
            guesses *= 1 if token in own else ranks.get(token, 26 ** len(token))
        else:
            guesses *= _SYMBOLS
        seen.add(token)
    return guesses


def estimated_guesses(passphrase: str, user_inputs: Iterable[str] = ()) -> float:
    """The smaller of zxcvbn's estimate and the word-by-word one (see the module)."""
    from zxcvbn import zxcvbn

    inputs = list(user_inputs)
    # zxcvbn scores at most 72 characters in bounded time; the words count all.
    judged = float(zxcvbn(passphrase[:72], user_inputs=inputs)["guesses"])
    return min(judged, _word_guesses(passphrase, inputs))


def strong_enough(passphrase: str, min_guesses: float, user_inputs: Iterable[str] = ()) -> bool:
    """True when the passphrase is no well-known phrase and needs at least `min_guesses`."""
    if not passphrase or well_known(passphrase):
        return False
    return estimated_guesses(passphrase, user_inputs) >= min_guesses


def log10_guesses(passphrase: str) -> float:
    """log10 of the estimate, for messages and tests."""
    return math.log10(max(estimated_guesses(passphrase), 1.0))
