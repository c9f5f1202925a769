#!/usr/bin/env python3
"""Regenerate data/common-passwords.txt from the PyPI package `zxcvbn` (MIT).

    pip install zxcvbn==4.5.0 && python3 scripts/extract_common_passwords.py

The list holds the 30,000 most common passwords that zxcvbn ships (lower case, most common
first). Setu refuses a new password that is on it, or that is one of them with a few digits or
symbols added (see setu_core::access::password).
"""
import pathlib
from importlib.metadata import version

from zxcvbn.frequency_lists import FREQUENCY_LISTS

out = pathlib.Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
words = [w.strip().lower() for w in FREQUENCY_LISTS["passwords"] if w.strip()]
header = (f"# The most common passwords, from the PyPI package zxcvbn {version('zxcvbn')} "
          "(MIT License). Regenerate with scripts/extract_common_passwords.py.\n")
out.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
print(f"wrote {out}: {len(words)} passwords")
