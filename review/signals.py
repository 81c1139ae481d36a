from django.dispatch import Signal

# Sent by review.services.decide, in the decision's transaction, when a share request ends
# approved or rejected, with keyword arguments share_request and share_url ("" unless
# approved). Webhooks announce share_request.approved / share_request.rejected on it.
share_request_decided = Signal()
