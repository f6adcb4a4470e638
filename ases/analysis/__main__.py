"""``python -m ases.analysis``: see :mod:`ases.analysis.cli`."""

import sys

from ases.analysis.cli import main

sys.exit(main())
