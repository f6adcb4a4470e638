"""Math word problems: answer extraction, equation checks and the MWP task."""

from ases.tasks.mwp.task import MWPTask

__all__ = ["MWPTask"]
