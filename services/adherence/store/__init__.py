"""Adherence's SQL: functions take a connection so the caller owns the transaction.

- ``state``: loading plans and doses as domain values, locking and leasing plans.
- ``schedule``: writing plans and doses back (history kept, derived columns in step).
- ``administrations``: administrations, parked ones, discrepancies, misses.
- ``findings``: raised flags, each dedupe key once.
- ``reads``: what the staff API reads.
"""
