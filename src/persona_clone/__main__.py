"""Run the command line: ``python -m persona_clone``."""

from persona_clone.cli import main


main()
