"""Reference video engine: a standalone HTTP service that stands in for a GPU cluster.

It renders deterministic procedural clips (numpy + PyAV/libx264) behind a small
OpenAI-videos-style API. It deliberately imports nothing from Django or the rest of
the project so it can run as its own process: ``python -m generation.engine``.
"""
