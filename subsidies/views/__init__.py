"""Subsidy pages: the claimant's calculator, claim wizard, claims and automatic claims to confirm
(`claimant`); a claim's page and its lifecycle steps for everyone who sees it (`claims`); the bureau's
review queue, objections, public notice, payments, catalogue, sandbox and budget use, read-only for
officials (`bureau`); the public notice anyone reads without logging in (`public`)."""
