from django.dispatch import Signal

# Sent by the dispatch sweep once a job's outcome is stored, with keyword arguments
# public_id, outcome ("completed" or "failed"), error_code, wait_seconds (queued until sent to
# the engine) and render_seconds (sent until the outcome was stored). Observability counts them.
generation_finished = Signal()

# Sent when a video's watermarked preview is stored (in the transaction that marks it ready),
# with keyword arguments generation (the Generation). From then on the API reports the video
# `completed` and serves its content: webhooks announce `video.completed` on this.
preview_ready = Signal()
