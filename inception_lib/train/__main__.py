"""Entry point of ``python -m inception_lib.train`` (and of ``torchrun ... -m inception_lib.train``)."""

from .cli import main

raise SystemExit(main())
