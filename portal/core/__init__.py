"""The domain: reports, consent, keys, accounts, evidence and audit, with no web framework."""
