from khtui.cli import main

main()
