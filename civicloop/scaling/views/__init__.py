"""Scaling pages: dashboard, ISAT assessments, obstacle register, replication plans,
replications, sandboxes (with a public registry) and the lessons archive, one module per
sub-domain (the same names as in `services`, `selectors` and `api`)."""
