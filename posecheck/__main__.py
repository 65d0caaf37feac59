import sys

from posecheck.apps.cli import main

sys.exit(main())
