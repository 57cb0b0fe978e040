"""Operating an installation as a whole: backup and restore of every app's data.

It sits above the domain apps (it snapshots the database, every organisation's event store,
uploaded files and the sealing keys' ids), so nothing below imports it.
"""
