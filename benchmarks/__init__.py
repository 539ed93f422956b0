"""Performance benchmarks: requests against the API minimum, load throughput, rebuild time,
memory, a naive pandas baseline, validation time and a dlt peer. See docs/benchmarks.md."""
