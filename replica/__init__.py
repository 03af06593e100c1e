"""An offline replica of www.regjeringen.no served on 127.0.0.1 for tests, benchmarks and the demo."""
