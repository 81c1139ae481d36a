"""The OpenAI-compatible tester API (/v1/)."""
