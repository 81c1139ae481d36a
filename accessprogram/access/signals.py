from django.dispatch import Signal

# Sent inside the transaction that blocks access, with keyword arguments
# level (AccessBlock.Level), target_id, program_id, reason.
# Higher layers react without access importing them: generation cancels the affected jobs.
access_revoked = Signal()
