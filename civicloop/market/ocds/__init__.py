"""Open Contracting Data Standard 1.1.5 publication of challenges, awards and contracts."""
