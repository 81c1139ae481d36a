"""People: the user model every other app points at."""
