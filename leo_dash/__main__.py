"""`python -m leo_dash` entry point."""

import sys

from leo_dash.cli import main

sys.exit(main())
