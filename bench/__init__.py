"""`make bench`: a realistic data set in a PostgreSQL database of its own, and benchmarks that
print their figures beside their targets. Benchmarks are not tests: nothing here asserts a time."""
