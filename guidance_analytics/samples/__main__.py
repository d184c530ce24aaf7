"""``python -m guidance_analytics.samples OUT_DIR [--seed N] [--n-businesses N]``."""

import sys

from .generate import main

sys.exit(main())
