from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "accessprogram.feedback"
    label = "feedback"
    verbose_name = "Feedback"
