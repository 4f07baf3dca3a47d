def tick():
    """Fire every due schedule (run each minute by the crontab entry)."""
    from scheduling.tick import fire_schedules

    fire_schedules()
