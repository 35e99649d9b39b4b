#!/usr/bin/env python3
"""compare-packages.py DIR1 DIR2: every .nupkg and .snupkg of DIR1 must be in DIR2 with the same files, byte for byte.

NuGet stamps each zip entry with the time of the pack (its deterministic mode is off, NuGet/Home#8601), so two
packs of the same sources are different files with the same contents: the contents are what is compared here.
"""
import hashlib, os, sys, zipfile

def contents(path):
    with zipfile.ZipFile(path) as z:
        return {n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}

first, second = sys.argv[1], sys.argv[2]
names = sorted(n for n in os.listdir(first) if n.endswith((".nupkg", ".snupkg")))
differences = 0
for name in names:
    other = os.path.join(second, name)
    if not os.path.exists(other):
        print(f"{name}: not made the second time"); differences += 1; continue
    a, b = contents(os.path.join(first, name)), contents(other)
    for entry in sorted(a.keys() | b.keys()):
        if a.get(entry) != b.get(entry):
            print(f"{name}: {entry} differs"); differences += 1
    print(f"{name}: {len(a)} files, {'the same' if a == b else 'DIFFERENT'}")
if not names:
    print(f"no packages in {first}"); differences += 1
sys.exit(1 if differences else 0)
