from scheduling.tick import fire_schedules


def tick():
    """Fire every due schedule (run each minute by the crontab entry, settings.CRONJOBS)."""
    fire_schedules()
