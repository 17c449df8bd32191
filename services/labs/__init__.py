"""The labs service: normalises lab results and evaluates the response to B12 treatment."""
