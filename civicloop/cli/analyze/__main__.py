"""`python -m civicloop.cli.analyze ...`"""

from civicloop.cli.analyze import main

raise SystemExit(main())
