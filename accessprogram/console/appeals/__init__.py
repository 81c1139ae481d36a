"""Appeals of blocks: the queue with its service level, and the decision on each appeal."""
