"""The standing security suite: each module keeps one class of defect closed (issue 12).

A test here states an attack a real adversary could try (another organisation, a vendor racing
a deadline, a forged cross-site request, a password-only sign-in, hostile metric SQL) and fails
if the attack works again. docs/security.md maps each finding to the module that guards it.
"""
