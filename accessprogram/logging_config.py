"""LOGGING for every process: one console handler, quiet where a library logs per second."""


def logging_config(*, level: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The sweep runs every second: log what it did, not each task and HTTP call.
            "celery.app.trace": {"level": "WARNING"},
            "celery.worker.strategy": {"level": "WARNING"},
            "celery.beat": {"level": "WARNING"},  # "Sending due task" every second otherwise
            "httpx": {"level": "WARNING"},
        },
    }
