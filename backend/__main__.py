from backend.cli import main

if __name__ == "__main__":  # importing the module (a tool that inspects it) must not start the CLI
    raise SystemExit(main())
