"""The portal's cryptography: a pure library, bytes in and bytes out.

No Flask and no database here. Every ciphertext carries a format version and
is bound to the record and field it belongs to; every failure is a named
error from `crypto.errors`.
"""
