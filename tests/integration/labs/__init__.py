"""Integration tests of the labs service against the real Kafka broker and Postgres."""
