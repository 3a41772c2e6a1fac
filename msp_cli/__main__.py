from msp_cli.entry import main

if __name__ == "__main__":  # not when a spawned worker process (msp check, msp import) imports it
    main()
