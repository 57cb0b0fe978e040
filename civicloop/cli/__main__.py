"""`python -m civicloop.cli …` runs the `civicloop` command."""

import sys

from civicloop.cli.main import main

sys.exit(main())
