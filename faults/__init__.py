"""The fault suite: the real platform under simulated load while things break.

It runs on a Kafka broker and a Postgres cluster of its own (so it may restart them), kills
services mid-stream, runs two instances of adherence and labs and kills one, injects poison,
and afterwards reconciles every effect against the simulator's ledger.
"""
