"""Command-line tools over run folders: ases-report, ases-show, ases-analysis."""
