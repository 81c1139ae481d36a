from django.dispatch import Signal

# Sent inside the transaction that blocks access (a suspension or a revocation, on any level),
# with keyword arguments level (AccessBlock.Level), target_id, program_id, reason.
# Higher layers react without access importing them: generation cancels the affected jobs.
access_blocked = Signal()

# Sent right after the blocking transaction commits (from then on the very next request is
# refused), with level, kind and seconds: from the start of block_access to that commit.
# Observability turns it into the revocation-to-refusal latency histogram.
access_block_committed = Signal()
