"""Command-line tools over run folders: ases-report, ases-show, ases-analysis. Import anything but training/ and paths/ internals; models come through ases.load.load_run."""
