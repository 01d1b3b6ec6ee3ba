"""Hostile input: a corpus of payloads pushed through every form the portal has."""
