"""The forensic payload's error-correcting code: CRC-24, then a rate-1/2 convolutional code.

The payload plus a 24-bit CRC is convolutionally encoded (K=7); the reader decodes summed
soft decisions with Viterbi, and the CRC makes a mangled or unmarked read come out as
None rather than a wrong id. Pure integer and numpy code, independent of pictures.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

PAYLOAD_BITS: int = 32
CRC_BITS = 24  # a random read passes with probability 2**-24
MESSAGE_BITS = PAYLOAD_BITS + CRC_BITS
# Rate-1/2 convolutional code, constraint length 7 (the 171/133 octal code of NASA and
# 802.11), terminated with 6 zero bits: 124 coded bits, each repeated over 4-5 cells.
GENERATORS = (0o171, 0o133)
MEMORY = 6
CODED_BITS = 2 * (MESSAGE_BITS + MEMORY)
CRC_MASK = 0x5A3C96  # so an all-zero (flat grey) read never passes the CRC


def crc(value: int) -> int:
    """CRC-24/OpenPGP of the payload's four big-endian bytes, masked."""
    remainder = 0xB704CE
    for byte in value.to_bytes(4, "big"):
        remainder ^= byte << 16
        for _ in range(8):
            shifted = remainder << 1
            remainder = (shifted ^ 0x864CFB if remainder & 0x800000 else shifted) & 0xFFFFFF
    return remainder ^ CRC_MASK


def parity(value: np.ndarray) -> np.ndarray:
    value = value.copy()
    for shift in (4, 2, 1):
        value ^= value >> shift
    return value & 1


REGISTERS = np.arange(1 << (MEMORY + 1))  # newest input bit lowest
OUTPUTS = np.stack([parity(REGISTERS & g) for g in GENERATORS], axis=1)  # (128, 2)


@lru_cache(maxsize=64)  # a rendition marks every frame with the same payload
def coded_bits(payload: int) -> np.ndarray:
    """Payload + CRC, convolutionally encoded: CODED_BITS values of 0/1 (read-only)."""
    if not 0 < payload < 2**PAYLOAD_BITS:
        raise ValueError(f"payload must be in 1 .. 2**{PAYLOAD_BITS} - 1")
    word = (payload << CRC_BITS) | crc(payload)
    message = [(word >> (MESSAGE_BITS - 1 - i)) & 1 for i in range(MESSAGE_BITS)]
    register, coded = 0, []
    for bit in [*message, *[0] * MEMORY]:
        register = ((register << 1) | bit) & ((1 << (MEMORY + 1)) - 1)
        coded.extend(OUTPUTS[register])
    bits = np.array(coded, dtype=np.int64)
    bits.flags.writeable = False
    return bits


def viterbi(soft: np.ndarray) -> int:
    """Most likely message word for per-coded-bit soft values (positive means 0)."""
    states = 1 << MEMORY
    ns = np.arange(states)
    # State = the last MEMORY input bits. Into state ns come registers h*2^MEMORY + ns.
    registers = np.stack([ns, ns + states])  # (2 predecessors, states)
    signs = 1 - 2 * OUTPUTS[registers]  # (2, states, 2)
    previous = (registers >> 1) & (states - 1)
    metric = np.full(states, -np.inf)
    metric[0] = 0.0
    choices = []
    for step in range(MESSAGE_BITS + MEMORY):
        branch = signs @ soft[2 * step : 2 * step + 2]  # (2, states)
        candidates = metric[previous] + branch
        choice = np.argmax(candidates, axis=0)
        metric = candidates[choice, ns]
        choices.append(choice)
    state, bits = 0, []  # the tail brings the encoder back to state 0
    for choice in reversed(choices):
        bits.append(state & 1)
        state = int(previous[choice[state], state])
    word = 0
    for bit in reversed(bits[MEMORY:]):
        word = (word << 1) | bit
    return word
