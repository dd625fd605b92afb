"""Long-running threads: delivery, the inbox writer and workers, home refresh, launch resume."""
