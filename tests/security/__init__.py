"""Security: who may call what, least privilege in the database, bad input, logs without PHI."""
