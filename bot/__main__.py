"""`python -m bot` is `ai-incident`."""

from bot.cli import main

raise SystemExit(main())
