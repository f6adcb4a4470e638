"""``ases-analysis``: see :mod:`ases.tools.analysis.cli`."""

import sys

from ases.tools.analysis.cli import main

sys.exit(main())
