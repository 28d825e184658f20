"""``python -m gankit`` runs the command line."""

from gankit.cli import main

if __name__ == "__main__":  # not when a spawned helper process (the live view's drawing) imports it
    main()
