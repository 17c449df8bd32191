"""Integration tests of the adherence service against the real Kafka and Postgres."""
