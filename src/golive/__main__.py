"""`python -m golive` runs the command line."""

from golive.cli import main

if __name__ == "__main__":
    main()
