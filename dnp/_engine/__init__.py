"""The executor: ``_core`` schedules, ``_execute`` decides per call, ``_errors`` reports."""
