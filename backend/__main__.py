from backend.cli import main

if __name__ == "__main__":  # a sync's child process imports this module again (multiprocessing spawn)
    raise SystemExit(main())
