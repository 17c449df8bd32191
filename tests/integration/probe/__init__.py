"""A minimal service built on the shared runtime, to test the messaging guarantees alone."""
