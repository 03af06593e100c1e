"""An offline replica of www.regjeringen.no for tests, benchmarks and the demo."""
