from msp_cli.entry import main

main()
