"""`python -m inception_lib.doctor`: print the full environment check; exit status 1 on any problem."""

import sys

from . import check_environment

report = check_environment()
print(report.full())
sys.exit(0 if report.ok else 1)
