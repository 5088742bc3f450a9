"""`python -m bookflow.simulate WORKDIR`: the process bookflow.simulate.runner starts for one run."""

import sys

from bookflow.simulate.runner import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
