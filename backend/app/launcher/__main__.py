"""`python -m app.launcher`: the same as `batchsched-run` (see app/launcher/run.py)."""

from app.launcher.run import main

raise SystemExit(main())
