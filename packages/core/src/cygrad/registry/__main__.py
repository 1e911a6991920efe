"""``python -m cygrad.registry``: print the installed plugins and what they provide."""
import sys

from cygrad.registry.listing import main

sys.exit(main())
