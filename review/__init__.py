"""Share requests, the reviewer queue and public share links (built on generation)."""
