"""A clinic simulator: a synthetic cohort run through the real platform on a simulated clock.

It creates plans through the planner API, publishes DoseAdministered and LabResulted as clinic
and laboratory systems would, day by simulated day, and knows the ground truth: which misses
and which flags each patient's record should produce.
"""
