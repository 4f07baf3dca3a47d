from scheduling.tick import tick as scheduler_tick


def tick():
    """One scheduler tick (run each minute by the crontab entry, settings.CRONJOBS)."""
    scheduler_tick()
